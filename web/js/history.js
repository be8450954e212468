// The history view: recent messages from the bridge's journal with each recipient's
// delivery status in words, a refresh per message (asks LOX24 for delivery reports) and
// cancel for scheduled ones.

import { api } from "./api.js";
import { byId, el, button } from "./dom.js";
import { t, formatDateTime } from "./i18n.js";
import { resultItem } from "./results.js";
import { announce, announceFailure } from "./status.js";

/** How much of a message's text the list shows. */
const EXCERPT_CHARS = 120;

let currency = () => null;

/**
 * Wires the view. `currencyOf` answers the account's currency for prices.
 * @param {() => string | null} currencyOf
 */
export function initHistory(currencyOf) {
  currency = currencyOf;
  byId("history-reload").addEventListener("click", loadHistory);
}

/** Loads and shows the history. */
export async function loadHistory() {
  announce("info", t("history.loading"));
  try {
    const { messages } = await api.history();
    byId("history-list").replaceChildren(...messages.map(messageItem));
    byId("history-empty").hidden = messages.length > 0;
    announce("info", "");
  } catch (failure) {
    announceFailure(failure);
  }
}

function messageItem(message) {
  const item = el("li", { attrs: { "data-message": message.message_id } });
  fill(item, message);
  return item;
}

function fill(item, message) {
  const text = message.text ?? t("history.no_text");
  const excerpt = text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
  const when = message.delivery_at
    ? t("history.scheduled_for", { when: formatDateTime(message.delivery_at) })
    : formatDateTime(message.created_at);
  const recipients = el(
    "ul",
    { className: "history-recipients" },
    message.results.map((r) => resultItem(r, currency())),
  );
  const actions = el("div", { className: "actions" }, [
    button(t("history.refresh"), () => act(item, api.refresh, message.message_id)),
  ]);
  if (message.results.some((r) => r.state === "scheduled")) {
    actions.prepend(button(t("history.cancel"), () => act(item, api.cancel, message.message_id)));
  }
  const from = t("history.from", { sender: message.sender_id });
  item.replaceChildren(
    el("p", { className: "hint", text: `${when} · ${from}` }),
    el("p", { className: "history-text", text: excerpt }),
    recipients,
    actions,
  );
}

async function act(item, call, id) {
  for (const control of item.querySelectorAll("button")) {
    control.disabled = true;
  }
  announce("info", t("history.updating"));
  try {
    fill(item, await call(id));
    announce("success", t("history.updated"));
  } catch (failure) {
    announceFailure(failure);
    for (const control of item.querySelectorAll("button")) {
      control.disabled = false;
    }
  }
}
