//! The text of an SMS: what it costs before it is sent. [`SmsText`] is built once from
//! what the user typed and is what gets sent; it knows its encoding (GSM 7-bit or
//! UCS-2), its length in units, its parts and the characters that force UCS-2. The
//! alphabet is in `gsm`, the splitting into parts in `parts`, the GSM-safe rewrite in
//! `rewrite` and the preview answer (JSON and plain words) in `preview`. Sending,
//! recipients and sender IDs live elsewhere.
//!
//! Line breaks: Outlook bodies carry CRLF and sometimes a lone CR. Both become one LF
//! before anything is counted, and the LF text is what [`SmsText::as_str`] returns and
//! what must be sent, so the count is the bill (a CR would cost a septet of its own and
//! shows nothing on a phone).
//!
//! Positions: every `index` this module reports is an offset into the text as received,
//! before line breaks were normalised, in UTF-16 code units from 0, because the task
//! pane highlights in a JavaScript string and JavaScript strings are UTF-16.

pub mod gsm;
pub mod parts;
pub mod preview;
pub mod rewrite;

use serde::Serialize;

use self::parts::{Encoding, MAX_PARTS, Packing};
use self::rewrite::GsmSafe;

/// A text that can be sent as one LOX24 message: not blank, no control characters other
/// than line breaks and tabs, at most ten parts. Its line breaks are normalised to LF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsText {
    text: String,
    /// For each character of `text`, its UTF-16 offset in the text as received.
    offsets: Vec<usize>,
    encoding: Encoding,
    packing: Packing,
}

/// A character that forces the whole message into UCS-2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NonGsmChar {
    #[serde(rename = "char")]
    pub character: char,
    /// UTF-16 offset in the text as received (see the module documentation).
    pub index: usize,
}

/// Why a text cannot be sent. Every variant is about the `text` field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text is empty; type the message to send")]
    Empty,
    #[error(
        "the text has nothing but spaces, line breaks or invisible characters; \
         type the message to send"
    )]
    Blank,
    #[error(
        "the text contains the control character U+{:04X} at position {position}; \
         remove it and send again", u32::from(*character)
    )]
    ControlCharacter {
        character: char,
        /// UTF-16 offset in the text as received.
        index: usize,
        /// Counted in characters from 1, for people.
        position: usize,
    },
    #[error(
        "the text is too long: it counts {units} {} and does not fit into the {MAX_PARTS} \
         parts LOX24 sends ({} at most); shorten it by at least {overflow}{}",
        unit_words(*encoding), encoding.max_units(), shorten_hint(*encoding)
    )]
    TooLong {
        encoding: Encoding,
        units: usize,
        /// Units beyond what ten parts hold.
        overflow: usize,
    },
}

impl TextError {
    /// A stable code for API answers.
    pub fn code(&self) -> &'static str {
        match self {
            TextError::Empty => "text_empty",
            TextError::Blank => "text_blank",
            TextError::ControlCharacter { .. } => "text_control_character",
            TextError::TooLong { .. } => "text_too_long",
        }
    }
}

fn unit_words(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Gsm7 => "GSM characters (€ ^ { } [ ] ~ \\ | count two)",
        Encoding::Ucs2 => "Unicode characters (an emoji counts two)",
    }
}

fn shorten_hint(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Gsm7 => "",
        Encoding::Ucs2 => {
            ", or replace the characters that force Unicode (curly quotes, dashes and the like), \
             and more than twice as much fits"
        }
    }
}

impl SmsText {
    /// Normalises line breaks, then checks and counts the text.
    pub fn parse(raw: &str) -> Result<SmsText, TextError> {
        if raw.is_empty() {
            return Err(TextError::Empty);
        }
        let (text, offsets) = normalise(raw)?;
        if text
            .chars()
            .all(|c| c.is_whitespace() || rewrite::is_invisible(c))
        {
            return Err(TextError::Blank);
        }

        let septets: Option<Vec<usize>> = text.chars().map(gsm::septets).collect();
        let (encoding, packing) = match septets {
            Some(costs) => (Encoding::Gsm7, parts::pack(Encoding::Gsm7, costs)),
            None => {
                let costs = text.chars().map(char::len_utf16);
                (Encoding::Ucs2, parts::pack(Encoding::Ucs2, costs))
            }
        };
        if packing.overflow > 0 {
            let (units, overflow) = (packing.units, packing.overflow);
            return Err(TextError::TooLong {
                encoding,
                units,
                overflow,
            });
        }
        Ok(SmsText {
            text,
            offsets,
            encoding,
            packing,
        })
    }

    /// The text to send: exactly what was counted.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Septets (GSM 7-bit) or UTF-16 code units (UCS-2).
    pub fn units(&self) -> usize {
        self.packing.units
    }

    /// Parts the message is billed as, 1 to [`MAX_PARTS`].
    pub fn parts(&self) -> usize {
        self.packing.parts
    }

    /// Units still free in the last part.
    pub fn remaining(&self) -> usize {
        self.packing.remaining
    }

    /// Each character that forces UCS-2, in text order; empty for GSM 7-bit.
    pub fn non_gsm(&self) -> Vec<NonGsmChar> {
        let located = self.text.chars().zip(self.offsets.iter().copied());
        located
            .filter(|&(c, _)| !gsm::is_gsm(c))
            .map(|(character, index)| NonGsmChar { character, index })
            .collect()
    }

    /// The GSM-safe rewrite of this text (see `rewrite`).
    pub fn gsm_safe(&self) -> GsmSafe {
        rewrite::gsm_safe(self)
    }
}

/// CRLF and lone CR become LF; each remaining character keeps its UTF-16 offset in
/// `raw`. Control characters other than LF, CR and tab are refused: NUL, form feed (a
/// GSM page break that phones show as a line break or not at all) and the rest have no
/// business in a message and usually come from a broken paste.
fn normalise(raw: &str) -> Result<(String, Vec<usize>), TextError> {
    let mut text = String::with_capacity(raw.len());
    let mut offsets = Vec::with_capacity(raw.len());
    let (mut index, mut after_cr) = (0, false);

    for (position, c) in raw.chars().enumerate() {
        let at = index;
        index += c.len_utf16();
        if c == '\n' && after_cr {
            after_cr = false;
            continue;
        }
        after_cr = c == '\r';
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t') {
            let position = position + 1;
            return Err(TextError::ControlCharacter {
                character: c,
                index: at,
                position,
            });
        }
        text.push(if c == '\r' { '\n' } else { c });
        offsets.push(at);
    }
    Ok((text, offsets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(text: &str) -> (Encoding, usize, usize, usize) {
        let text = SmsText::parse(text).expect("sendable text");
        (
            text.encoding(),
            text.units(),
            text.parts(),
            text.remaining(),
        )
    }

    fn too_long(text: &str) -> (Encoding, usize, usize) {
        match SmsText::parse(text) {
            Err(TextError::TooLong {
                encoding,
                units,
                overflow,
            }) => (encoding, units, overflow),
            other => panic!("expected too long, got {other:?}"),
        }
    }

    /// `n` characters that force UCS-2 but cost one unit each.
    fn ucs2(n: usize) -> String {
        "ç".repeat(n)
    }

    #[test]
    fn gsm_fits_160_into_one_part_and_splits_161() {
        assert_eq!(counts(&"a".repeat(160)), (Encoding::Gsm7, 160, 1, 0));
        assert_eq!(counts(&"a".repeat(161)), (Encoding::Gsm7, 161, 2, 145));
    }

    #[test]
    fn gsm_parts_hold_153_each() {
        for k in 2..=10 {
            assert_eq!(
                counts(&"a".repeat(153 * k)),
                (Encoding::Gsm7, 153 * k, k, 0)
            );
        }
        for k in 2..10 {
            let units = 153 * k + 1;
            assert_eq!(
                counts(&"a".repeat(units)),
                (Encoding::Gsm7, units, k + 1, 152)
            );
        }
    }

    #[test]
    fn extension_characters_count_two_septets() {
        assert_eq!(
            counts(&format!("{}€", "a".repeat(158))),
            (Encoding::Gsm7, 160, 1, 0)
        );
        assert_eq!(counts(&format!("{}€", "a".repeat(159))).2, 2);
        assert_eq!(counts("{[~]}|\\^").1, 16);
    }

    #[test]
    fn an_escape_pair_at_a_part_boundary_moves_to_the_next_part() {
        // 306 septets would be two parts by division; the € cannot start in the last
        // septet of part one, so part two is full one septet early.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(counts(&text), (Encoding::Gsm7, 306, 3, 152));
        let fits = format!("{}€{}", "a".repeat(151), "a".repeat(153));
        assert_eq!(counts(&fits), (Encoding::Gsm7, 306, 2, 0));
    }

    #[test]
    fn ucs2_fits_70_into_one_part_and_splits_71() {
        assert_eq!(counts(&ucs2(70)), (Encoding::Ucs2, 70, 1, 0));
        assert_eq!(counts(&ucs2(71)), (Encoding::Ucs2, 71, 2, 63));
    }

    #[test]
    fn ucs2_parts_hold_67_each() {
        for k in 2..=10 {
            assert_eq!(counts(&ucs2(67 * k)), (Encoding::Ucs2, 67 * k, k, 0));
        }
        assert_eq!(counts(&ucs2(67 * 3 + 1)), (Encoding::Ucs2, 202, 4, 66));
    }

    #[test]
    fn an_emoji_counts_two_units_and_never_straddles_a_part_boundary() {
        assert_eq!(
            counts(&format!("{}😀", ucs2(68))),
            (Encoding::Ucs2, 70, 1, 0)
        );
        assert_eq!(counts(&format!("{}😀", ucs2(69))).2, 2);
        let text = format!("{}😀{}", ucs2(66), ucs2(66));
        assert_eq!(counts(&text), (Encoding::Ucs2, 134, 3, 66));
        // An emoji alone makes the text UCS-2.
        assert_eq!(counts("ok 😀"), (Encoding::Ucs2, 5, 1, 65));
    }

    #[test]
    fn gsm_limit_is_1530_and_beyond_is_an_error_saying_by_how_much() {
        assert_eq!(counts(&"a".repeat(1530)), (Encoding::Gsm7, 1530, 10, 0));
        assert_eq!(too_long(&"a".repeat(1531)), (Encoding::Gsm7, 1531, 1));
        let message = SmsText::parse(&"a".repeat(1545)).unwrap_err().to_string();
        assert!(
            message.contains("1545") && message.contains("by at least 15"),
            "{message}"
        );
    }

    #[test]
    fn ucs2_limit_is_670_and_beyond_is_an_error_saying_by_how_much() {
        assert_eq!(counts(&ucs2(670)), (Encoding::Ucs2, 670, 10, 0));
        assert_eq!(too_long(&ucs2(671)), (Encoding::Ucs2, 671, 1));
        let message = SmsText::parse(&ucs2(680)).unwrap_err().to_string();
        assert!(message.contains("by at least 10") && message.contains("force Unicode"));
    }

    #[test]
    fn a_text_within_1530_septets_can_still_need_an_eleventh_part() {
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(1530 - 154));
        assert_eq!(too_long(&text), (Encoding::Gsm7, 1530, 1));
    }

    #[test]
    fn crlf_and_lone_cr_are_sent_and_counted_as_lf() {
        let text = SmsText::parse("one\r\ntwo\rthree\n").unwrap();
        assert_eq!(text.as_str(), "one\ntwo\nthree\n");
        assert_eq!(text.units(), 14);
        assert_eq!(SmsText::parse("\r\r\n").unwrap_err(), TextError::Blank);
    }

    #[test]
    fn positions_are_utf16_offsets_into_the_text_as_received() {
        let text = SmsText::parse("a\r\n“😀”").unwrap();
        let found: Vec<(char, usize)> = text
            .non_gsm()
            .iter()
            .map(|c| (c.character, c.index))
            .collect();
        assert_eq!(found, [('“', 3), ('😀', 4), ('”', 6)]);
        assert!(SmsText::parse("plain GSM").unwrap().non_gsm().is_empty());
    }

    #[test]
    fn empty_and_blank_texts_are_refused() {
        assert_eq!(SmsText::parse(""), Err(TextError::Empty));
        let blank = SmsText::parse(" \r\n\t\u{a0}\u{200b}\u{ad}").unwrap_err();
        assert_eq!((blank.code(), blank), ("text_blank", TextError::Blank));
    }

    #[test]
    fn control_characters_are_refused_with_their_position() {
        let error = SmsText::parse("😀a\u{0}b").unwrap_err();
        let expected = TextError::ControlCharacter {
            character: '\0',
            index: 3,
            position: 3,
        };
        assert_eq!(error, expected);
        assert!(
            error.to_string().contains("U+0000 at position 3"),
            "{error}"
        );
        for control in ['\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\u{85}'] {
            let error = SmsText::parse(&format!("a{control}")).unwrap_err();
            assert_eq!(error.code(), "text_control_character");
        }
    }

    #[test]
    fn a_tab_is_kept_and_forces_ucs2() {
        let text = SmsText::parse("a\tb").unwrap();
        assert_eq!(text.encoding(), Encoding::Ucs2);
        assert!(text.encoding().is_unicode());
        assert_eq!(
            text.non_gsm()[0],
            NonGsmChar {
                character: '\t',
                index: 1
            }
        );
    }
}
