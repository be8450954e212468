//! The simulator's own SMS length count: GSM 03.38 (7-bit) or UCS-2, characters, parts,
//! and the transliteration LOX24 applies when GSM is forced on a text with other
//! characters. It is written apart from the bridge's counter on purpose, so that tests can
//! check one against the other. National language shift tables are not supported (such
//! texts count as UCS-2).

/// The GSM 03.38 basic table, each one septet (ESC, which starts an extension pair, is
/// left out: it cannot be typed).
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
    ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table, each two septets (ESC + character).
const GSM_EXTENSION: &str = "^{}\\[~]|€\u{0c}";

/// Longest text LOX24 takes: 10 parts of 153 septets, or of 67 UCS-2 units.
pub const GSM_LIMIT: usize = 1530;
pub const UCS2_LIMIT: usize = 670;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// The length of a text in one encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    pub encoding: Encoding,
    /// Septets (GSM) or UTF-16 code units (UCS-2).
    pub units: usize,
    pub parts: usize,
}

impl Count {
    /// Whether the text is within LOX24's maximum.
    pub fn within_limit(&self) -> bool {
        self.units <= self.limit()
    }

    pub fn limit(&self) -> usize {
        match self.encoding {
            Encoding::Gsm7 => GSM_LIMIT,
            Encoding::Ucs2 => UCS2_LIMIT,
        }
    }
}

/// Septets of one character in GSM 03.38, `None` if it has none.
fn septets(c: char) -> Option<usize> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Whether every character of `text` exists in GSM 03.38.
pub fn is_gsm(text: &str) -> bool {
    text.chars().all(|c| septets(c).is_some())
}

/// The count of `text` in `encoding`. For GSM the text must already be GSM-only (see
/// [`transliterate`]); characters without a septet count as one.
pub fn count(text: &str, encoding: Encoding) -> Count {
    let (single, per_part): (usize, usize) = match encoding {
        Encoding::Gsm7 => (160, 153),
        Encoding::Ucs2 => (70, 67),
    };
    let widths: Vec<usize> = text
        .chars()
        .map(|c| match encoding {
            Encoding::Gsm7 => septets(c).unwrap_or(1),
            Encoding::Ucs2 => c.len_utf16(),
        })
        .collect();
    let units: usize = widths.iter().sum();
    let parts = if units <= single {
        1
    } else {
        packed_parts(&widths, per_part)
    };
    Count {
        encoding,
        units,
        parts,
    }
}

/// Parts needed when characters are packed greedily and an escape pair or a surrogate
/// pair is never split between two parts (as handsets require).
fn packed_parts(widths: &[usize], per_part: usize) -> usize {
    let mut parts = 1;
    let mut used = 0;
    for width in widths {
        if used + width > per_part {
            parts += 1;
            used = 0;
        }
        used += width;
    }
    parts
}

/// Replaces characters GSM 03.38 lacks with the nearest GSM ones, as LOX24 does when a
/// message is forced to GSM (`is_unicode: false`); what has no near character becomes `?`.
pub fn transliterate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if septets(c).is_some() {
            out.push(c);
            continue;
        }
        let replacement = match c {
            '`' | '´' | '‘' | '’' | '‚' | '′' => "'",
            '“' | '”' | '„' | '″' | '«' | '»' => "\"",
            '–' | '—' | '‐' | '−' => "-",
            '…' => "...",
            '\u{a0}' | '\t' => " ",
            'á' | 'â' | 'ã' | 'ā' => "a",
            'Á' | 'Â' | 'Ã' | 'À' => "A",
            'ê' | 'ë' | 'ē' => "e",
            'Ê' | 'Ë' | 'È' => "E",
            'í' | 'î' | 'ï' => "i",
            'Í' | 'Î' | 'Ï' | 'Ì' => "I",
            'ó' | 'ô' | 'õ' => "o",
            'Ó' | 'Ô' | 'Õ' | 'Ò' => "O",
            'ú' | 'û' => "u",
            'Ú' | 'Û' | 'Ù' => "U",
            'ç' => "Ç",
            _ => "?",
        };
        out.push_str(replacement);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_gsm_text_fits_160_septets_in_one_part() {
        let text = "a".repeat(160);
        assert_eq!(count(&text, Encoding::Gsm7).parts, 1);
        let text = "a".repeat(161);
        assert_eq!(count(&text, Encoding::Gsm7).parts, 2);
        assert_eq!(count(&"a".repeat(306), Encoding::Gsm7).parts, 2);
        assert_eq!(count(&"a".repeat(307), Encoding::Gsm7).parts, 3);
    }

    #[test]
    fn extension_characters_take_two_septets_and_are_never_split() {
        let count_euro = count("5€ [ok]", Encoding::Gsm7);
        assert_eq!(count_euro.units, 10);
        // 152 plain septets, then a two-septet euro sign that must start part two.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(10));
        let counted = count(&text, Encoding::Gsm7);
        assert_eq!((counted.units, counted.parts), (164, 2));
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(152));
        assert_eq!(count(&text, Encoding::Gsm7).parts, 3);
    }

    #[test]
    fn umlauts_are_gsm_but_emoji_and_curly_quotes_are_not() {
        assert!(is_gsm("Grüße, Ä Ö Ü é £ §"));
        assert!(!is_gsm("“quoted”"));
        assert!(!is_gsm("ok 😀"));
        let counted = count("Grüße 😀", Encoding::Ucs2);
        assert_eq!((counted.units, counted.parts), (8, 1));
        assert_eq!(count(&"ж".repeat(71), Encoding::Ucs2).parts, 2);
    }

    #[test]
    fn the_limits_are_ten_full_parts() {
        assert!(count(&"a".repeat(1530), Encoding::Gsm7).within_limit());
        assert!(!count(&"a".repeat(1531), Encoding::Gsm7).within_limit());
        assert!(count(&"ж".repeat(670), Encoding::Ucs2).within_limit());
        assert!(!count(&"ж".repeat(671), Encoding::Ucs2).within_limit());
    }

    #[test]
    fn forced_gsm_transliterates_like_lox24() {
        assert_eq!(transliterate("it`s á – é ä"), "it's a - é ä");
        assert_eq!(transliterate("ok 😀"), "ok ?");
    }
}
