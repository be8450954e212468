// The link to Outlook through Office.js: whether the pane runs inside Outlook, in read
// or compose mode, and the few calls it makes on the current mail (body text,
// selection, detected phone numbers). Outside Office (a browser tab, or Office.js
// blocked or offline) every call answers "no mail" and the pane works without it.

/** How long to wait for Office.onReady before going on without Outlook. */
const READY_TIMEOUT_MS = 3000;

/** A failed Office.js call, with Office's own message. */
export class OfficeFailure extends Error {}

const OUTSIDE = Object.freeze({
  inside: false,
  mode: null,
  displayLanguage: null,
});

/**
 * Waits for Office.js, at most READY_TIMEOUT_MS, and describes where the pane runs.
 * @returns {Promise<{inside: boolean, mode: "read" | "compose" | null,
 *                    displayLanguage: string | null}>}
 */
export async function connect() {
  if (typeof Office === "undefined" || typeof Office.onReady !== "function") {
    return OUTSIDE;
  }
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), READY_TIMEOUT_MS));
  const info = await Promise.race([Office.onReady(), timeout]).catch(() => null);
  const mailbox = Office.context?.mailbox;
  if (!info || info.host !== Office.HostType?.Outlook || !mailbox) {
    return OUTSIDE;
  }
  const item = mailbox.item;
  return {
    inside: true,
    mode: item ? modeOf(item) : null,
    displayLanguage: Office.context.displayLanguage ?? null,
  };
}

/** In compose mode the subject is an object with getAsync; in read mode a string. */
function modeOf(item) {
  return typeof item.subject === "object" && item.subject !== null ? "compose" : "read";
}

function currentItem() {
  const item = Office.context?.mailbox?.item;
  if (!item) {
    throw new OfficeFailure("no mail is open");
  }
  return item;
}

/** Wraps one callback-style Office call in a promise that rejects on failure. */
function officeCall(start) {
  return new Promise((resolve, reject) => {
    start((result) => {
      if (result.status === Office.AsyncResultStatus.Failed) {
        reject(new OfficeFailure(result.error?.message ?? "Office reported a failure"));
      } else {
        resolve(result.value);
      }
    });
  });
}

/**
 * The current mail's body as plain text.
 * @returns {Promise<string>}
 */
export function bodyText() {
  const item = currentItem();
  return officeCall((done) => item.body.getAsync(Office.CoercionType.Text, done));
}

/**
 * The text selected in the mail being written; empty when nothing is selected.
 * @returns {Promise<string>}
 */
export async function selectedText() {
  const item = currentItem();
  if (typeof item.getSelectedDataAsync !== "function") {
    return "";
  }
  const value = await officeCall((done) =>
    item.getSelectedDataAsync(Office.CoercionType.Text, done),
  );
  return value?.data ?? "";
}

/**
 * The phone numbers Outlook detected in the mail being read; empty in compose mode or
 * when the host does not detect entities.
 * @returns {string[]}
 */
export function detectedPhoneNumbers() {
  const item = currentItem();
  if (typeof item.getEntities !== "function") {
    return [];
  }
  const entities = item.getEntities();
  return (entities?.phoneNumbers ?? []).map((p) => p.originalPhoneString ?? p.phoneString);
}
