// The live counter under the text: encoding, characters, parts and what is left, from
// the bridge's /api/sms/preview a moment after typing stops; the characters that force
// Unicode marked; one click applies the GSM-safe rewrite and lists what it changed.

import { api } from "./api.js";
import { byId, el } from "./dom.js";
import { t, formatNumber } from "./i18n.js";
import { announceFailure } from "./status.js";

/** How long typing must pause before the counter asks the bridge. */
const DEBOUNCE_MS = 250;

let timer = null;
let asked = 0;
let latest = null;

/** Wires the counter to the text field. */
export function initCounter() {
  byId("text").addEventListener("input", () => {
    byId("rewrite-note").hidden = true;
    schedulePreview();
  });
  byId("gsm-rewrite").addEventListener("click", applyRewrite);
}

/** The latest preview, or null before the first answer. */
export function latestPreview() {
  return latest;
}

/** Asks for a preview after the debounce pause. */
export function schedulePreview() {
  clearTimeout(timer);
  timer = setTimeout(updatePreview, DEBOUNCE_MS);
}

/** Asks for a preview of the current text now. */
export async function updatePreview() {
  clearTimeout(timer);
  const text = byId("text").value;
  const ticket = ++asked;
  if (text === "") {
    latest = null;
    showEmpty();
    return;
  }
  try {
    const preview = await api.preview(text);
    if (ticket === asked) {
      latest = preview;
      show(preview, text);
    }
  } catch (failure) {
    if (ticket === asked) {
      announceFailure(failure);
    }
  }
}

function showEmpty() {
  setCounter("gsm7", 0, 0, 160);
  byId("unicode-note").hidden = true;
}

function setCounter(encoding, units, parts, remaining) {
  byId("counter-encoding").textContent = t(`counter.${encoding}`);
  byId("counter-units").textContent = t("counter.units", { count: formatNumber(units) });
  byId("counter-parts").textContent = t(parts === 1 ? "counter.part" : "counter.parts", {
    count: formatNumber(parts),
  });
  byId("counter-remaining").textContent = t("counter.remaining", {
    count: formatNumber(remaining),
  });
}

function show(preview, text) {
  setCounter(preview.encoding, preview.units, preview.parts, preview.remaining);
  const unicode = preview.non_gsm.length > 0;
  byId("unicode-note").hidden = !unicode;
  if (!unicode) {
    return;
  }
  byId("unicode-marked").replaceChildren(...marked(text, preview.non_gsm));
  byId("gsm-rewrite").hidden = preview.gsm_safe.replacements.length === 0;
}

/** The text with each character that forces Unicode in a <mark>. */
function marked(text, nonGsm) {
  const nodes = [];
  let at = 0;
  for (const { char, index } of [...nonGsm].sort((a, b) => a.index - b.index)) {
    nodes.push(document.createTextNode(text.slice(at, index)));
    nodes.push(el("mark", { text: char }));
    at = index + char.length;
  }
  nodes.push(document.createTextNode(text.slice(at)));
  return nodes;
}

function applyRewrite() {
  if (!latest) {
    return;
  }
  const field = byId("text");
  field.value = latest.gsm_safe.text;
  field.dispatchEvent(new Event("change"));
  const pairs = new Map();
  for (const { from, to } of latest.gsm_safe.replacements) {
    const pair = `${from}\u2192${to}`;
    pairs.set(pair, { from, to, count: (pairs.get(pair)?.count ?? 0) + 1 });
  }
  byId("rewrite-changes").replaceChildren(
    ...[...pairs.values()].map((p) =>
      el("li", { text: t("compose.rewrite_change", { from: p.from, to: p.to, count: p.count }) }),
    ),
  );
  byId("rewrite-note").hidden = false;
  updatePreview();
  field.focus();
}
