// The task pane's start and its views. It waits briefly for Office.js (and goes on
// without Outlook when it never comes), picks the language, asks the bridge for its
// status and shows first-run setup or compose; the views themselves live in js/.

import { api } from "./js/api.js";
import { byId } from "./js/dom.js";
import { loadLanguage, t, formatMoney, formatDateTime } from "./js/i18n.js";
import * as mail from "./js/mail.js";
import { showWarnings } from "./js/banner.js";
import { mountKeyForm } from "./js/keyform.js";
import {
  initCompose,
  restoreDraft,
  newMessage,
  useMailContext,
  rereadRecipients,
} from "./js/compose.js";
import { isRetryable, summary, resultItem } from "./js/results.js";
import { initHistory, loadHistory } from "./js/history.js";
import { initSettings, showSettings, openAddForm } from "./js/settings.js";
import { announce, announceFailure } from "./js/status.js";

const VIEWS = ["setup", "compose", "results", "history", "settings"];

/** What the bridge said last: the account (for the currency) and the warnings. */
let bridgeStatus = null;
let lastReport = null;

function currency() {
  return bridgeStatus?.account?.currency ?? null;
}

function showView(name) {
  for (const view of VIEWS) {
    byId(`view-${view}`).hidden = view !== name;
  }
  byId("nav").hidden = name === "setup";
  const tab = name === "results" ? "compose" : name;
  for (const button of byId("nav").querySelectorAll(".tab")) {
    if (button.dataset.view === tab) {
      button.setAttribute("aria-current", "page");
    } else {
      button.removeAttribute("aria-current");
    }
  }
}

async function openView(name) {
  showView(name);
  if (name === "history") {
    await loadHistory();
  }
  if (name === "settings") {
    await showSettings();
  }
}

/** Actions the banner offers for a warning code. */
function warningActions() {
  const addKey = { label: t("warning.add_key"), run: () => openView("settings").then(openAddForm) };
  return {
    legacy_password: addKey,
    key_rejected: addKey,
    key_inactive: { label: t("warning.open_keys"), run: () => openView("settings") },
  };
}

/**
 * Asks the bridge for its status and shows the banner.
 * @returns {Promise<boolean>} false when the bridge did not answer
 */
async function refreshStatus() {
  try {
    bridgeStatus = await api.status();
  } catch (failure) {
    announceFailure(failure);
    return false;
  }
  showWarnings(bridgeStatus.warnings, warningActions());
  return true;
}

function startSetup() {
  mountKeyForm(byId("setup-form-slot"), "setup-key", async (added) => {
    byId("setup-form-slot").replaceChildren();
    showSetupDone(added.key, added.notes);
    await refreshStatus();
  });
  byId("setup-done").hidden = true;
  showView("setup");
}

function showSetupDone(key, notes) {
  byId("setup-done-key").textContent = t("setup.done", { label: key.label, masked: key.masked });
  const account = key.account;
  byId("setup-done-balance").textContent = account
    ? t("setup.balance", { balance: formatMoney(account.balance, account.currency) })
    : "";
  byId("setup-done-services").textContent = account
    ? t("setup.services", { services: account.services.join(", ") })
    : "";
  byId("setup-done").hidden = false;
  announce("success", [t("setup.saved"), ...notes].join(" "));
  byId("setup-continue").focus();
}

function showResults(report, text) {
  lastReport = { report, text };
  byId("results-summary").textContent = summary(report);
  byId("results-when").textContent = report.delivery_at
    ? t("history.scheduled_for", { when: formatDateTime(report.delivery_at) })
    : formatDateTime(report.created_at);
  byId("results-list").replaceChildren(...report.results.map((r) => resultItem(r, currency())));
  const retryable = report.results.filter(isRetryable);
  const retry = byId("results-retry");
  retry.hidden = retryable.length === 0;
  retry.textContent = t("results.retry", { count: retryable.length });
  showView("results");
  byId("results-summary").focus();
}

function wireViews() {
  for (const tab of byId("nav").querySelectorAll(".tab")) {
    tab.addEventListener("click", () => openView(tab.dataset.view));
  }
  byId("setup-continue").addEventListener("click", () => openView("compose"));
  byId("results-new").addEventListener("click", async () => {
    await newMessage();
    showView("compose");
    byId("recipient-input").focus();
  });
  byId("results-retry").addEventListener("click", async () => {
    const retry = lastReport.report.results.filter(isRetryable).map((r) => r.input);
    await newMessage({ text: lastReport.report.text ?? lastReport.text, to: retry });
    showView("compose");
    announce("info", t("results.retry_ready"));
  });
  byId("results-summary").tabIndex = -1;
  initCompose({ sent: showResults, noKey: startSetup });
  initHistory(currency);
  initSettings({ keysChanged: refreshStatus, countryChanged: rereadRecipients });
}

async function start() {
  const context = await mail.connect();
  try {
    await loadLanguage(context.displayLanguage ?? navigator.language);
  } catch (error) {
    announce("error", String(error));
    return;
  }
  announce("info", t("app.connecting"));
  wireViews();
  if (!(await refreshStatus())) {
    return;
  }
  announce("info", "");
  await restoreDraft();
  await useMailContext(context);
  if (bridgeStatus.configured) {
    showView("compose");
  } else {
    startSetup();
  }
}

start();
