// The pane's one announcement line (role="status"): what just happened, in the
// reader's language, and failures turned into plain words with what to do next.

import { byId } from "./dom.js";
import { t, has } from "./i18n.js";

/**
 * Shows `message` in the status region; `kind` is "info", "success" or "error".
 * @param {"info" | "success" | "error"} kind
 * @param {string} message
 */
export function announce(kind, message) {
  const region = byId("status");
  region.className = `status ${kind}`;
  region.textContent = message;
}

/** Empties the status region. */
export function clearStatus() {
  announce("info", "");
}

/**
 * A failed API call in the reader's words. Known codes get a localized sentence and
 * LOX24's request id for support; other codes show the bridge's own (English) message.
 * @param {import("./api.js").ApiFailure} failure
 * @returns {string}
 */
export function describeFailure(failure) {
  const minutes = failure.retryAfter ? Math.max(1, Math.ceil(failure.retryAfter / 60)) : null;
  const hinted = `error.${failure.code}.${failure.hint}`;
  const key = failure.hint && has(hinted) ? hinted : `error.${failure.code}`;
  if (failure.code === "bridge_unreachable") {
    return t(key);
  }
  if ((failure.code === "ip_blocked" || failure.code === "too_many_rejections") && minutes) {
    return t(`${key}_wait`, { minutes });
  }
  if (has(key)) {
    const support = failure.requestId ? ` ${t("error.request_id", { id: failure.requestId })}` : "";
    return t(key) + support;
  }
  return failure.message;
}

/**
 * Announces a failed call.
 * @param {import("./api.js").ApiFailure} failure
 */
export function announceFailure(failure) {
  announce("error", describeFailure(failure));
}
