//! The GSM-safe rewrite: typographic punctuation, Unicode spaces, invisible formatting
//! characters and accented letters that Outlook and Word put into a text are replaced by
//! the GSM 03.38 characters they stand for, so a message that only looked like plain
//! text is not sent, and billed, as UCS-2. It is a suggestion: the caller shows each
//! replacement and the user decides. Characters with no equivalent (emoji, Cyrillic,
//! `°`) stay as they are. What is GSM lives in `gsm`; counting lives in `SmsText`.

use serde::Serialize;

use super::SmsText;
use super::gsm;

/// The rewritten text and what was changed to get it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GsmSafe {
    /// The text with every replacement applied (line breaks already normalised).
    pub text: String,
    /// Each change, in text order.
    pub replacements: Vec<Replacement>,
}

/// One character replaced or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replacement {
    /// The character as it was.
    pub from: char,
    /// What replaces it; empty when it is removed.
    pub to: &'static str,
    /// Where `from` is in the text as received, in UTF-16 code units from 0 (the unit
    /// JavaScript strings index in).
    pub index: usize,
}

/// Rewrites `text` into GSM characters where an equivalent exists.
pub fn gsm_safe(text: &SmsText) -> GsmSafe {
    let chars: Vec<char> = text.as_str().chars().collect();
    let mut rewritten = String::with_capacity(text.as_str().len());
    let mut replacements = Vec::new();

    for (i, (&c, &index)) in chars.iter().zip(&text.offsets).enumerate() {
        match equivalent(c).filter(|_| !joins_kept_neighbours(&chars, i)) {
            Some(to) => {
                rewritten.push_str(to);
                replacements.push(Replacement { from: c, to, index });
            }
            None => rewritten.push(c),
        }
    }
    GsmSafe {
        text: rewritten,
        replacements,
    }
}

/// Whether `c` shows nothing at all: zero-width and directional formatting characters
/// and the soft hyphen. The rewrite removes them; a text of only these and whitespace
/// counts as blank.
pub fn is_invisible(c: char) -> bool {
    equivalent(c) == Some("")
}

/// Whether `chars[i]` is a zero-width joiner or non-joiner next to a character that
/// stays non-GSM (an emoji, a variation selector, an Indic or Arabic letter). There it
/// shapes the text (one family emoji instead of three faces); removing it would change
/// what the reader sees and save nothing, because the text stays UCS-2 anyway.
fn joins_kept_neighbours(chars: &[char], i: usize) -> bool {
    let stays = |c: char| !gsm::is_gsm(c) && equivalent(c).is_none();
    let before = i.checked_sub(1).map(|p| chars[p]);
    let after = chars.get(i + 1).copied();
    matches!(chars[i], '\u{200c}' | '\u{200d}')
        && (before.is_some_and(stays) || after.is_some_and(stays))
}

/// The GSM replacement for a character outside the GSM alphabet, if there is one. Every
/// key is a non-GSM character and every value is GSM text (a test checks both).
fn equivalent(c: char) -> Option<&'static str> {
    let to = match c {
        // Quotes, apostrophes and primes.
        '‘' | '’' | '‚' | '‛' | '‹' | '›' | '′' | '‵' | '`' | '´' | 'ʼ' => "'",
        '“' | '”' | '„' | '‟' | '«' | '»' | '″' | '‶' => "\"",
        // Hyphens, dashes and the minus sign.
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' | '⁃' => "-",
        '…' => "...",
        '․' => ".",
        // Spaces of every width, and the tab.
        '\u{a0}'
        | '\u{1680}'
        | '\u{2000}'..='\u{200a}'
        | '\u{202f}'
        | '\u{205f}'
        | '\u{3000}'
        | '\t' => " ",
        '\u{2028}' | '\u{2029}' => "\n",
        // Invisible: zero-width space, non-joiner and joiner, word joiner, byte order
        // mark, soft hyphen, directional marks, embeddings and isolates.
        '\u{200b}'
        | '\u{200c}'
        | '\u{200d}'
        | '\u{2060}'
        | '\u{feff}'
        | '\u{ad}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => "",
        // Bullets, including the private-use ones Word's Symbol and Wingdings fonts paste.
        '•' | '‣' | '◦' | '∙' | '▪' | '●' | '·' | '\u{f0b7}' | '\u{f0a7}' => "-",
        // Signs with a conventional spelling.
        '™' => "TM",
        '©' => "(c)",
        '®' => "(R)",
        '×' => "x",
        '⁄' | '∕' => "/",
        '½' => "1/2",
        '¼' => "1/4",
        '¾' => "3/4",
        '¹' => "1",
        '²' => "2",
        '³' => "3",
        // The increment and ohm signs, look-alikes of Greek capitals the alphabet holds.
        '\u{2206}' => "\u{394}",
        '\u{2126}' => "\u{3a9}",
        _ => return letter(c),
    };
    Some(to)
}

/// Accented Latin letters without a GSM form become the closest GSM letter. The GSM
/// forms (é è ù ì ò à ä ö ü ñ å ø æ ß and their capitals where the alphabet has them)
/// never reach this table; lowercase ç becoming Ç is the standard's own mapping.
fn letter(c: char) -> Option<&'static str> {
    let to = match c {
        'ç' => "Ç",
        'á' | 'â' | 'ã' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ā' | 'Ă' | 'Ą' => "A",
        'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "C",
        'ď' | 'đ' | 'ð' => "d",
        'Ď' | 'Đ' | 'Ð' => "D",
        'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'È' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ğ' => "g",
        'Ğ' => "G",
        'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'Į' | 'İ' => "I",
        'ĺ' | 'ľ' | 'ł' => "l",
        'Ĺ' | 'Ľ' | 'Ł' => "L",
        'ń' | 'ň' => "n",
        'Ń' | 'Ň' => "N",
        'ó' | 'ô' | 'õ' | 'ō' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ō' => "O",
        'ő' => "ö",
        'Ő' => "Ö",
        'œ' => "oe",
        'Œ' => "OE",
        'ŕ' | 'ř' => "r",
        'Ŕ' | 'Ř' => "R",
        'ś' | 'š' | 'ş' | 'ș' => "s",
        'Ś' | 'Š' | 'Ş' | 'Ș' => "S",
        'ť' | 'ţ' | 'ț' => "t",
        'Ť' | 'Ţ' | 'Ț' => "T",
        'ú' | 'û' | 'ū' | 'ů' | 'ų' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ū' | 'Ů' | 'Ų' => "U",
        'ű' => "ü",
        'Ű' => "Ü",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => return None,
    };
    Some(to)
}

#[cfg(test)]
mod tests {
    use super::super::parts::Encoding;
    use super::*;

    fn rewrite(raw: &str) -> GsmSafe {
        gsm_safe(&SmsText::parse(raw).expect("sendable text"))
    }

    fn assert_gsm(text: &str) {
        let parsed = SmsText::parse(text).unwrap();
        assert_eq!(
            parsed.encoding(),
            Encoding::Gsm7,
            "{text:?}: {:?}",
            parsed.non_gsm()
        );
    }

    #[test]
    fn outlook_quotes_dashes_and_spaces_become_gsm() {
        let raw = "Hallo „Max“, das ist ‚klar‘ – wirklich\u{a0}so… “OK”? It’s 5\u{202f}€ — fine";
        let safe = rewrite(raw);
        let expected = "Hallo \"Max\", das ist 'klar' - wirklich so... \"OK\"? It's 5 € - fine";
        assert_eq!(safe.text, expected);
        assert_gsm(&safe.text);
        let first = &safe.replacements[0];
        assert_eq!((first.from, first.to, first.index), ('„', "\"", 6));
    }

    #[test]
    fn zero_width_characters_and_soft_hyphens_are_removed() {
        let safe = rewrite("Zusam\u{ad}men\u{200b}arbeit\u{feff}");
        assert_eq!(safe.text, "Zusammenarbeit");
        let removed: Vec<(char, usize)> = safe
            .replacements
            .iter()
            .map(|r| (r.from, r.index))
            .collect();
        assert_eq!(removed, [('\u{ad}', 5), ('\u{200b}', 9), ('\u{feff}', 16)]);
        assert!(safe.replacements.iter().all(|r| r.to.is_empty()));
    }

    #[test]
    fn a_pasted_bullet_list_becomes_dashes() {
        let raw = "Agenda:\r\n• Punkt eins\r\n• Punkt zwei\r\n\u{f0b7}\tPunkt drei";
        let safe = rewrite(raw);
        assert_eq!(
            safe.text,
            "Agenda:\n- Punkt eins\n- Punkt zwei\n- Punkt drei"
        );
        assert_gsm(&safe.text);
        // Offsets count the CRLFs as they were received.
        assert_eq!(safe.replacements[0].index, 9);
        assert_eq!(safe.replacements[1].index, 23);
    }

    #[test]
    fn a_mail_signature_becomes_gsm() {
        let raw = "Mit freundlichen Grüßen\r\n\r\nMax Mustermann – Vertrieb\r\n\
                   Musterfirma GmbH · Musterstraße 1 · 12345 Musterstadt\r\n\
                   Tel.:\u{a0}+49\u{a0}170\u{a0}1234567 …\r\nwww.example.com™";
        let safe = rewrite(raw);
        let expected = "Mit freundlichen Grüßen\n\nMax Mustermann - Vertrieb\n\
                        Musterfirma GmbH - Musterstraße 1 - 12345 Musterstadt\n\
                        Tel.: +49 170 1234567 ...\nwww.example.comTM";
        assert_eq!(safe.text, expected);
        assert_gsm(&safe.text);
    }

    #[test]
    fn accented_letters_take_their_gsm_look_alike() {
        let safe = rewrite("Café crème, Ça va, garçon? João, Łódź, Dvořák, Ærø, Å, Øre");
        assert_eq!(
            safe.text,
            "Café crème, Ça va, garÇon? Joao, Lodz, Dvorak, Ærø, Å, Øre"
        );
        assert_gsm(&safe.text);
    }

    #[test]
    fn characters_without_an_equivalent_stay() {
        let safe = rewrite("😀 “ok” 20 °C Привет");
        assert_eq!(safe.text, "😀 \"ok\" 20 °C Привет");
        assert_eq!(safe.replacements.len(), 2);
    }

    #[test]
    fn a_gsm_text_is_left_alone() {
        let raw = "Plain text with €, [brackets] and ümlauts.";
        assert_eq!(
            rewrite(raw),
            GsmSafe {
                text: raw.into(),
                replacements: vec![]
            }
        );
    }

    #[test]
    fn a_joiner_inside_an_emoji_stays_and_elsewhere_goes() {
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(rewrite(family).text, family);
        assert_eq!(rewrite("a\u{200d}b\u{200c}c").text, "abc");
    }

    #[test]
    fn every_replacement_turns_a_non_gsm_character_into_gsm_text() {
        let all = (0..=0x10FFFF).filter_map(char::from_u32);
        let mut replaced = 0;
        for c in all {
            if let Some(to) = equivalent(c) {
                assert!(!gsm::is_gsm(c), "{c:?} is GSM already");
                assert!(to.chars().all(gsm::is_gsm), "{c:?} becomes {to:?}");
                replaced += 1;
            }
        }
        assert!(replaced > 150, "{replaced}");
    }
}
