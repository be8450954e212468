// What the pane remembers itself. In localStorage: the default sender ID (the last one
// used) and the default country. In sessionStorage: the message being composed with its
// Idempotency-Key, so a reload or a second click sends it at most once. Storage that is
// switched off (private modes) only means nothing is remembered.

const SENDER = "sms-bridge.sender";
const COUNTRY = "sms-bridge.country";
const DRAFT = "sms-bridge.draft";

function read(storage, name) {
  try {
    return storage.getItem(name);
  } catch {
    return null;
  }
}

function write(storage, name, value) {
  try {
    if (value === null || value === "") {
      storage.removeItem(name);
    } else {
      storage.setItem(name, value);
    }
  } catch {
    // Storage refused (private mode, quota): the setting lasts for this page only.
  }
}

export const prefs = {
  sender: () => read(localStorage, SENDER) ?? "",
  setSender: (value) => write(localStorage, SENDER, value.trim()),
  country: () => read(localStorage, COUNTRY) ?? "",
  setCountry: (value) => write(localStorage, COUNTRY, value),
};

/**
 * @typedef {object} Draft
 * @property {string} text
 * @property {string[]} to entries as typed
 * @property {string} sender
 * @property {string} at datetime-local value, or ""
 * @property {string | null} idempotencyKey set at the first Send, kept until sent
 */

/** @returns {Draft | null} the draft of this tab, if one was kept */
export function loadDraft() {
  const raw = read(sessionStorage, DRAFT);
  if (!raw) {
    return null;
  }
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

/** @param {Draft} draft */
export function saveDraft(draft) {
  write(sessionStorage, DRAFT, JSON.stringify(draft));
}

/** Forgets the draft once its message has been answered. */
export function clearDraft() {
  write(sessionStorage, DRAFT, null);
}
