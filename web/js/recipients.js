// The recipients field: numbers typed or pasted many at once (comma, semicolon, line
// break) become chips, each normalised by the bridge or marked invalid with the reason,
// each removable. The bridge reads the whole list every time, so duplicates across
// pastes are found too.

import { api } from "./api.js";
import { byId, el, button, markInvalid } from "./dom.js";
import { t, has } from "./i18n.js";
import { announceFailure } from "./status.js";

/**
 * @typedef {{input: string, phone: string | null, error: {code: string, message: string} | null,
 *            warnings: {code: string, message: string}[]}} Recipient
 */

/** @type {Recipient[]} */
let recipients = [];
let country = () => "";
let changed = () => {};

/**
 * Wires the field. `countryOf` answers the default country; `onChange` hears every change.
 * @param {() => string} countryOf
 * @param {() => void} onChange
 */
export function initRecipients(countryOf, onChange) {
  country = countryOf;
  changed = onChange;
  const input = byId("recipient-input");
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      commitTyped();
    }
  });
  input.addEventListener("paste", () => setTimeout(commitTyped, 0));
  input.addEventListener("blur", () => commitTyped());
}

/** The entries as typed, for the send request and the draft. */
export function recipientInputs() {
  return recipients.map((r) => r.input);
}

/** How many entries are usable numbers. */
export function validCount() {
  return recipients.filter((r) => r.phone).length;
}

/**
 * Reads whatever is still typed in the input into chips.
 * @returns {Promise<boolean>} false when the bridge could not read them
 */
export async function commitTyped() {
  const input = byId("recipient-input");
  const typed = input.value.trim();
  if (typed === "") {
    return true;
  }
  const ok = await replaceWith([...recipientInputs(), typed]);
  if (ok) {
    input.value = "";
  }
  return ok;
}

/**
 * Adds entries (e.g. numbers found in the mail).
 * @param {string[]} entries
 */
export function addRecipients(entries) {
  return replaceWith([...recipientInputs(), ...entries]);
}

/**
 * Replaces every chip with `entries`, read by the bridge.
 * @param {string[]} entries
 * @returns {Promise<boolean>}
 */
export async function replaceWith(entries) {
  if (entries.length === 0) {
    recipients = [];
    render([]);
    return true;
  }
  try {
    const list = await api.recipients(entries, country() || undefined);
    recipients = list.recipients;
    render(list.duplicates);
    return true;
  } catch (failure) {
    announceFailure(failure);
    markInvalid(byId("recipient-input"), true);
    return false;
  }
}

function remove(index) {
  const removed = recipients[index];
  recipients = recipients.filter((_, i) => i !== index);
  render([]);
  byId("recipient-input").focus();
  return removed;
}

function render(duplicates) {
  markInvalid(byId("recipient-input"), false);
  byId("recipient-chips").replaceChildren(...recipients.map(chip));
  const note = byId("recipient-duplicates");
  note.hidden = duplicates.length === 0;
  note.textContent = duplicates
    .map((d) => t("compose.duplicate", { input: d.input, same: d.same_as }))
    .join(" ");
  changed();
}

function chip(recipient, index) {
  const problem = recipient.error ?? recipient.warnings[0] ?? null;
  const kind = recipient.error ? "invalid" : recipient.warnings.length ? "warning" : "";
  const shown = recipient.phone ?? recipient.input;
  const text = el("span", { className: "chip-text", text: shown });
  if (problem) {
    text.append(el("span", { className: "chip-reason", text: problemText(problem) }));
  }
  const removeButton = button("×", () => remove(index));
  removeButton.setAttribute("aria-label", t("compose.remove_recipient", { number: shown }));
  return el("li", { className: `chip ${kind}`, attrs: { "data-input": recipient.input } }, [
    text,
    removeButton,
  ]);
}

/**
 * A recipient's problem in the reader's language when the code is known.
 * @param {{code: string, message: string}} problem
 */
export function problemText(problem) {
  const key = `phone.${problem.code}`;
  return has(key) ? t(key) : problem.message;
}
