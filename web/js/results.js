// One message's answer, recipient by recipient: the state in words, LOX24's message id,
// parts and price, or why it was not sent. Also the rule for which recipients may be
// tried again: only those that never reached LOX24. An `unknown` outcome may have been
// sent; the bridge settles it by looking it up, so it is never offered again.

import { el } from "./dom.js";
import { t, formatMoney, formatNumber } from "./i18n.js";
import { problemText } from "./recipients.js";

/** States in which the message went to LOX24 (or is waiting there). */
const ACCEPTED = new Set(["sent", "scheduled", "pending"]);

/**
 * Whether trying this recipient again cannot send it twice.
 * @param {{state: string, uuid: string | null}} result
 */
export function isRetryable(result) {
  return result.state === "not_attempted" || (result.state === "failed" && !result.uuid);
}

/**
 * How many recipients LOX24 accepted, in words.
 * @param {{results: {state: string}[], delivery_at: number | null}} report
 */
export function summary(report) {
  const accepted = report.results.filter((r) => ACCEPTED.has(r.state)).length;
  const key = report.delivery_at ? "results.summary_scheduled" : "results.summary";
  return t(key, {
    accepted: formatNumber(accepted),
    total: formatNumber(report.results.length),
  });
}

/**
 * One recipient's line.
 * @param {object} result a report's `results[]` entry
 * @param {string | null} currency
 * @returns {HTMLElement}
 */
export function resultItem(result, currency) {
  const failed = result.state === "failed" || result.state === "not_attempted";
  const children = [
    el("p", { className: "strong", text: result.phone ?? result.input }),
    el("p", {}, [el("span", { className: "state", text: t(`state.${result.state}`) })]),
  ];
  if (result.delivery) {
    children.push(el("p", { text: t("results.delivery", { words: result.delivery.words }) }));
  }
  if (result.error) {
    children.push(el("p", { text: problemText(result.error) }));
  }
  if (result.uuid) {
    children.push(
      el("p", { className: "hint" }, [
        document.createTextNode(`${t("results.lox24_id")} `),
        el("span", { className: "mono", text: result.uuid }),
      ]),
    );
  }
  if (result.parts) {
    const cost = result.price === null ? "" : ` · ${formatMoney(result.price, currency)}`;
    children.push(
      el("p", {
        className: "hint",
        text: t(result.parts === 1 ? "counter.part" : "counter.parts", {
          count: formatNumber(result.parts),
        }) + cost,
      }),
    );
  }
  const className = failed ? "failed" : ACCEPTED.has(result.state) ? "sent" : "";
  return el("li", { className, attrs: { "data-state": result.state } }, children);
}
