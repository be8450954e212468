// Reading a mail's plain text: the phone numbers in it, and the author's own words
// without the quoted history and the signature. Pure functions; Office.js is elsewhere.

/** Where quoted history starts: reply headers and separators of common mail clients. */
const HISTORY_STARTS = [
  /^-{2,}\s*(original message|ursprüngliche nachricht|forwarded message)/i,
  /^-{2,}\s*weitergeleitete nachricht/i,
  /^_{10,}\s*$/,
  /^(on|am)\s.+(wrote|schrieb)\s*:\s*$/i,
  /^(from|von):\s.+/i,
  /^>/,
];

/** Where a signature starts: the "-- " delimiter and common closings on their own line. */
const SIGNATURE_STARTS = [
  /^--\s?$/,
  new RegExp(
    "^(best regards|kind regards|regards|thanks|cheers|mit freundlichen grüßen|" +
      "mit freundlichen gruessen|viele grüße|beste grüße|liebe grüße|gruß|grüße),?\\s*$",
    "i",
  ),
];

/** Digits in a phone number: the shortest and longest that are worth offering. */
const DIGITS_MIN = 7;
const DIGITS_MAX = 15;

/**
 * The text the author wrote: everything before the first quoted-history line and the
 * signature, trimmed, with runs of blank lines collapsed.
 * @param {string} text
 * @returns {string}
 */
export function ownWords(text) {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const kept = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (HISTORY_STARTS.some((start) => start.test(trimmed))) {
      break;
    }
    if (SIGNATURE_STARTS.some((start) => start.test(trimmed))) {
      break;
    }
    kept.push(line.trimEnd());
  }
  return kept
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * Phone-number-looking strings in a text, each once, in order of appearance. The bridge
 * decides whether each is a number; this only finds candidates.
 * @param {string} text
 * @returns {string[]}
 */
export function phoneCandidates(text) {
  const found = [];
  const seen = new Set();
  const pattern = /(?:\+|\b0)[0-9][0-9 ()/-]{5,22}[0-9]/g;
  for (const match of text.matchAll(pattern)) {
    const candidate = match[0].trim();
    const digits = candidate.replace(/\D/g, "");
    if (digits.length < DIGITS_MIN || digits.length > DIGITS_MAX || seen.has(digits)) {
      continue;
    }
    seen.add(digits);
    found.push(candidate);
  }
  return found;
}
