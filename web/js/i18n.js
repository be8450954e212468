// The pane's language: German or English from Office's display language, else the
// browser's; strings from locales/<lang>.json, dates, times and amounts through Intl.
// Markup names its strings with data-i18n (text), data-i18n-aria-label and
// data-i18n-href; scripts call t().

const SUPPORTED = ["en", "de"];

let language = "en";
let strings = {};

/**
 * The supported language for a BCP 47 tag such as "de-DE"; English otherwise.
 * @param {string | null | undefined} tag
 * @returns {string}
 */
export function languageOf(tag) {
  const base = (tag ?? "").toLowerCase().split(/[-_]/)[0];
  return SUPPORTED.includes(base) ? base : "en";
}

/**
 * Loads the strings for `tag` and translates the document.
 * @param {string | null | undefined} tag
 */
export async function loadLanguage(tag) {
  language = languageOf(tag);
  const response = await fetch(`locales/${language}.json`, { cache: "no-store" });
  if (!response.ok) {
    throw new Error(`locales/${language}.json: HTTP ${response.status}`);
  }
  strings = await response.json();
  document.documentElement.lang = language;
  document.title = t("app.title");
  translate(document);
}

/** The current language, "en" or "de". */
export function currentLanguage() {
  return language;
}

/**
 * The string for `key` with `{name}` placeholders filled from `values`.
 * @param {string} key
 * @param {Record<string, string | number>} [values]
 * @returns {string}
 */
export function t(key, values = {}) {
  const template = strings[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    name in values ? String(values[name]) : whole,
  );
}

/**
 * Whether the locale has a string for `key`.
 * @param {string} key
 */
export function has(key) {
  return key in strings;
}

/**
 * Fills every data-i18n* attribute below `root`.
 * @param {ParentNode} root
 */
export function translate(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) {
    node.textContent = t(node.dataset.i18n);
  }
  for (const node of root.querySelectorAll("[data-i18n-aria-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
  }
  for (const node of root.querySelectorAll("[data-i18n-href]")) {
    node.setAttribute("href", t(node.dataset.i18nHref));
  }
}

/**
 * A unix time as a date and time for the reader.
 * @param {number} unixSeconds
 */
export function formatDateTime(unixSeconds) {
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(unixSeconds * 1000),
  );
}

/**
 * An amount of money; a missing currency shows the bare number.
 * @param {number} amount
 * @param {string | null | undefined} currency
 */
export function formatMoney(amount, currency) {
  if (!currency) {
    return new Intl.NumberFormat(language, { maximumFractionDigits: 4 }).format(amount);
  }
  return new Intl.NumberFormat(language, {
    style: "currency",
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: 4,
  }).format(amount);
}

/**
 * A count for the reader, e.g. "1.234" in German.
 * @param {number} value
 */
export function formatNumber(value) {
  return new Intl.NumberFormat(language).format(value);
}

/**
 * A country's name for a two-letter region code.
 * @param {string} code
 */
export function countryName(code) {
  return new Intl.DisplayNames([language], { type: "region" }).of(code) ?? code;
}
