// The bridge's local API: every call carries the per-install token from the page, and
// every failure becomes an ApiFailure with the bridge's error code, so views decide what
// to say. Nothing here shows anything.

/** A failed API call: the bridge's error, or `bridge_unreachable` when none arrived. */
export class ApiFailure extends Error {
  /**
   * @param {number} status HTTP status, 0 when no answer arrived
   * @param {{code: string, message: string, field?: string, hint?: string,
   *          request_id?: string, retry_after?: number}} detail
   */
  constructor(status, detail) {
    super(detail.message);
    this.status = status;
    this.code = detail.code;
    this.field = detail.field ?? null;
    this.hint = detail.hint ?? null;
    this.requestId = detail.request_id ?? null;
    this.retryAfter = detail.retry_after ?? null;
  }
}

const token = document.querySelector('meta[name="sms-bridge-token"]')?.content ?? "";

/**
 * Calls one API route and answers its JSON.
 * @param {string} method
 * @param {string} path e.g. "/api/status"
 * @param {object} [body]
 * @param {Record<string, string>} [extraHeaders]
 * @returns {Promise<any>}
 */
export async function call(method, path, body, extraHeaders = {}) {
  const headers = { "X-SMS-Bridge-Token": token, ...extraHeaders };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (cause) {
    throw new ApiFailure(0, { code: "bridge_unreachable", message: String(cause) });
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = answer?.error ?? {
      code: "unexpected_answer",
      message: `HTTP ${response.status}`,
    };
    throw new ApiFailure(response.status, detail);
  }
  return answer;
}

export const api = {
  status: () => call("GET", "/api/status"),
  keys: () => call("GET", "/api/keys"),
  addKey: (entry) => call("POST", "/api/keys", entry),
  useKey: (id) => call("POST", `/api/keys/${encodeURIComponent(id)}/use`, {}),
  verifyKey: (id) => call("POST", `/api/keys/${encodeURIComponent(id)}/verify`, {}),
  removeKey: (id) => call("DELETE", `/api/keys/${encodeURIComponent(id)}`, {}),
  preview: (text) => call("POST", "/api/sms/preview", { text }),
  recipients: (to, country) => call("POST", "/api/recipients", { to, country }),
  quote: (draft) => call("POST", "/api/sms/quote", draft),
  send: (draft, idempotencyKey) =>
    call("POST", "/api/sms", draft, { "Idempotency-Key": idempotencyKey }),
  history: () => call("GET", "/api/history"),
  refresh: (id) => call("POST", `/api/history/${encodeURIComponent(id)}/refresh`, {}),
  cancel: (id) => call("POST", `/api/history/${encodeURIComponent(id)}/cancel`, {}),
};
