// The warnings banner from /api/status: one entry per warning, in the reader's language
// when the code is known (the bridge's English text otherwise), with a button for the
// warning's action where the pane can do it.

import { byId, el, button } from "./dom.js";
import { t, has } from "./i18n.js";

/** Warnings that are facts to know rather than problems. */
const INFORMATIONAL = new Set(["sandbox"]);

/**
 * Shows `warnings`; `actions` maps a warning code to what its button does.
 * @param {{code: string, message: string, action: string}[]} warnings
 * @param {Record<string, {label: string, run: () => void}>} actions
 */
export function showWarnings(warnings, actions) {
  const list = byId("banner-list");
  list.replaceChildren(...warnings.map((warning) => entry(warning, actions[warning.code])));
  byId("banner").hidden = warnings.length === 0;
}

function entry(warning, action) {
  const known = has(`warning.${warning.code}`);
  const title = known ? t(`warning.${warning.code}`) : warning.message;
  const advice = known ? t(`warning.${warning.code}.action`) : warning.action;
  const kind = INFORMATIONAL.has(warning.code) ? "info" : "warning";
  const children = [el("p", { className: "strong", text: title }), el("p", { text: advice })];
  if (action) {
    children.push(button(action.label, action.run));
  }
  const attrs = { "data-code": warning.code };
  return el("li", { className: `banner-item ${kind}`, attrs }, children);
}
