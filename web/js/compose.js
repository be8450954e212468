// The compose view: recipients, the numbers found in the current mail, the text with
// its counter, sender ID, schedule, price quote and Send. A message keeps one
// Idempotency-Key from its first Send until the bridge answered it, in sessionStorage,
// so a second click or a resend after a reload sends nothing twice.

import { api } from "./api.js";
import { byId, el, button, markInvalid } from "./dom.js";
import { t, formatMoney, formatNumber } from "./i18n.js";
import * as mail from "./mail.js";
import { ownWords, phoneCandidates } from "./mailtext.js";
import { prefs, loadDraft, saveDraft, clearDraft } from "./prefs.js";
import {
  initRecipients,
  recipientInputs,
  validCount,
  commitTyped,
  addRecipients,
  replaceWith,
} from "./recipients.js";
import { initCounter, updatePreview, latestPreview } from "./counter.js";
import { announce, announceFailure, clearStatus } from "./status.js";

/** Ask before sending to more recipients than this, or more parts per recipient. */
const CONFIRM_RECIPIENTS = 10;
const CONFIRM_PARTS = 3;

/** Request fields the bridge may name, and the control for each. */
const FIELD_CONTROLS = {
  text: "text",
  to: "recipient-input",
  sender_id: "sender",
  at: "schedule-at",
  country: "recipient-input",
};

let idempotencyKey = null;
let onSent = () => {};
let onNoKey = () => {};
let sending = false;

/**
 * Wires the view. `sent` receives each report; `noKey` runs when the bridge has no key.
 * @param {{sent: (report: object, text: string) => void, noKey: () => void}} hooks
 */
export function initCompose(hooks) {
  onSent = hooks.sent;
  onNoKey = hooks.noKey;
  initRecipients(() => prefs.country(), persist);
  initCounter();
  for (const id of ["text", "sender", "schedule-at"]) {
    byId(id).addEventListener("input", persist);
    byId(id).addEventListener("change", persist);
  }
  byId("schedule-on").addEventListener("change", () => {
    byId("schedule-row").hidden = !byId("schedule-on").checked;
    persist();
  });
  byId("send").addEventListener("click", () => send(false));
  byId("confirm-send").addEventListener("click", () => send(true));
  byId("confirm-cancel").addEventListener("click", () => {
    byId("confirm").hidden = true;
    byId("send").focus();
  });
  byId("quote").addEventListener("click", quote);
  byId("mail-numbers-all").addEventListener("click", addAllOffers);
  byId("use-mail-text").addEventListener("click", useMailText);
}

/** Restores this tab's draft, or starts an empty message. */
export async function restoreDraft() {
  const draft = loadDraft();
  byId("sender").value = draft?.sender ?? prefs.sender();
  byId("text").value = draft?.text ?? "";
  byId("schedule-at").value = draft?.at ?? "";
  byId("schedule-on").checked = Boolean(draft?.at);
  byId("schedule-row").hidden = !draft?.at;
  idempotencyKey = draft?.idempotencyKey ?? null;
  await replaceWith(draft?.to ?? []);
  await updatePreview();
}

/**
 * Starts a new message, optionally with a text and recipients (a retry).
 * @param {{text?: string, to?: string[]}} [start]
 */
export async function newMessage(start = {}) {
  clearDraft();
  idempotencyKey = null;
  byId("text").value = start.text ?? "";
  byId("sender").value = prefs.sender();
  byId("schedule-on").checked = false;
  byId("schedule-at").value = "";
  byId("schedule-row").hidden = true;
  byId("quote-result").hidden = true;
  byId("rewrite-note").hidden = true;
  await replaceWith(start.to ?? []);
  await updatePreview();
}

/** Re-reads the recipients, e.g. after the default country changed. */
export function rereadRecipients() {
  return replaceWith(recipientInputs());
}

/** Sets the sender field when the user has not typed one. */
export function offerSender(sender) {
  if (byId("sender").value.trim() === "") {
    byId("sender").value = sender;
  }
}

function persist() {
  saveDraft({
    text: byId("text").value,
    to: recipientInputs(),
    sender: byId("sender").value,
    at: byId("schedule-on").checked ? byId("schedule-at").value : "",
    idempotencyKey,
  });
}

/**
 * Offers what Outlook knows about the current mail: its numbers, its text, and in
 * compose mode the selected text as the SMS text.
 * @param {{inside: boolean, mode: "read" | "compose" | null}} context
 */
export async function useMailContext(context) {
  if (!context.inside || !context.mode) {
    return;
  }
  byId("use-mail-text").hidden = false;
  try {
    const numbers = context.mode === "read" ? mail.detectedPhoneNumbers() : [];
    const body = await mail.bodyText();
    offerNumbers([...numbers, ...phoneCandidates(body)]);
    if (context.mode === "compose" && byId("text").value === "") {
      const selected = (await mail.selectedText()).trim();
      if (selected !== "") {
        byId("text").value = selected;
        persist();
        await updatePreview();
      }
    }
  } catch (failure) {
    announce("error", t("office.failed", { detail: failure.message }));
  }
}

function offerNumbers(candidates) {
  const seen = new Set();
  const unique = candidates.filter((c) => {
    const digits = c.replace(/\D/g, "");
    const fresh = !seen.has(digits);
    seen.add(digits);
    return fresh;
  });
  const list = byId("mail-number-list");
  list.replaceChildren(
    ...unique.map((number) => {
      const offer = button(number, async () => {
        if (await addRecipients([number])) {
          offer.closest("li").remove();
          byId("mail-numbers").hidden = list.children.length === 0;
        }
      });
      offer.setAttribute("aria-label", t("compose.mail_number_add", { number }));
      return el("li", {}, [offer]);
    }),
  );
  byId("mail-numbers").hidden = unique.length === 0;
}

async function addAllOffers() {
  const list = byId("mail-number-list");
  const numbers = [...list.querySelectorAll("button")].map((b) => b.textContent);
  if (await addRecipients(numbers)) {
    list.replaceChildren();
    byId("mail-numbers").hidden = true;
  }
}

async function useMailText() {
  try {
    const words = ownWords(await mail.bodyText());
    byId("text").value = words;
    byId("rewrite-note").hidden = true;
    persist();
    announce("info", t("compose.mail_text_used"));
    await updatePreview();
  } catch (failure) {
    announce("error", t("office.failed", { detail: failure.message }));
  }
}

/** The schedule as RFC 3339 with the browser's offset for that date, or undefined. */
function scheduleValue() {
  const value = byId("schedule-at").value;
  if (!byId("schedule-on").checked || value === "") {
    return undefined;
  }
  const when = new Date(value);
  const offset = -when.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const minutes = String(Math.abs(offset) % 60).padStart(2, "0");
  const seconds = value.length === 16 ? ":00" : "";
  return `${value}${seconds}${sign}${hours}:${minutes}`;
}

/** The request body for quote and send; null (with the reason shown) when incomplete. */
async function draftBody() {
  for (const id of Object.values(FIELD_CONTROLS)) {
    markInvalid(byId(id), false);
  }
  if (!(await commitTyped())) {
    return null;
  }
  if (recipientInputs().length === 0) {
    return refuse("recipient-input", t("compose.no_recipients"));
  }
  const text = byId("text").value;
  if (text.trim() === "") {
    return refuse("text", t("compose.no_text"));
  }
  if (byId("schedule-on").checked && byId("schedule-at").value === "") {
    return refuse("schedule-at", t("compose.no_schedule"));
  }
  const body = { text, to: recipientInputs() };
  const sender = byId("sender").value.trim();
  if (sender !== "") {
    body.sender_id = sender;
  }
  const at = scheduleValue();
  if (at) {
    body.at = at;
  }
  if (prefs.country()) {
    body.country = prefs.country();
  }
  return body;
}

function refuse(controlId, message) {
  markInvalid(byId(controlId), true);
  announce("error", message);
  byId(controlId).focus();
  return null;
}

function showFailure(failure) {
  announceFailure(failure);
  const control = byId(FIELD_CONTROLS[failure.field] ?? "");
  if (control) {
    markInvalid(control, true);
    control.focus();
  }
  if (failure.code === "no_key") {
    onNoKey();
  }
}

async function quote() {
  const body = await draftBody();
  if (!body) {
    return;
  }
  const button = byId("quote");
  button.disabled = true;
  announce("info", t("compose.quoting"));
  try {
    const answer = await api.quote(body);
    const shown = byId("quote-result");
    shown.textContent = t("compose.quote_result", {
      recipients: formatNumber(answer.results.length),
      parts: formatNumber(answer.parts),
      total: formatMoney(answer.total, answer.currency),
    });
    shown.hidden = false;
    clearStatus();
  } catch (failure) {
    showFailure(failure);
  } finally {
    button.disabled = false;
  }
}

/** Whether this message is big enough to ask first. */
function needsConfirmation() {
  const parts = latestPreview()?.parts ?? 1;
  return validCount() > CONFIRM_RECIPIENTS || parts > CONFIRM_PARTS;
}

async function send(confirmed) {
  if (sending) {
    return;
  }
  sending = true;
  byId("send").disabled = true;
  try {
    const body = await draftBody();
    if (!body) {
      return;
    }
    if (!confirmed && needsConfirmation()) {
      askFirst();
      return;
    }
    byId("confirm").hidden = true;
    await deliver(body);
  } finally {
    sending = false;
    byId("send").disabled = false;
  }
}

function askFirst() {
  const parts = latestPreview()?.parts ?? 1;
  byId("confirm-text").textContent = t("compose.confirm", {
    recipients: formatNumber(validCount()),
    parts: formatNumber(parts),
    total: formatNumber(parts * validCount()),
  });
  byId("confirm").hidden = false;
  byId("confirm-send").focus();
}

async function deliver(body) {
  idempotencyKey ??= crypto.randomUUID();
  persist();
  announce("info", t("compose.sending"));
  try {
    const report = await api.send(body, idempotencyKey);
    if (body.sender_id) {
      prefs.setSender(body.sender_id);
    }
    clearDraft();
    idempotencyKey = null;
    clearStatus();
    onSent(report, body.text);
  } catch (failure) {
    if (failure.code === "idempotency_key_reused") {
      idempotencyKey = null;
      persist();
    }
    showFailure(failure);
  }
}
