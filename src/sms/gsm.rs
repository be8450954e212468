//! The GSM 03.38 (3GPP TS 23.038) default 7-bit alphabet: which characters it holds and
//! how many septets each costs. The national language shift tables are not here; a text
//! that needs them is sent as UCS-2.

/// The septets `c` costs in the GSM 7-bit default alphabet: 1 for the basic table, 2 for
/// the extension table (the escape code plus the character), `None` when the character
/// is in neither and the whole message has to be sent as UCS-2.
pub fn septets(c: char) -> Option<usize> {
    match c {
        '^' | '{' | '}' | '\\' | '[' | '~' | ']' | '|' | '€' | '\u{c}' => Some(2),
        '`' => None,
        ' '..='~' | '\n' | '\r' => Some(1),
        _ if NON_ASCII_BASIC.contains(c) => Some(1),
        _ => None,
    }
}

/// Whether `c` can be sent in a GSM 7-bit message.
pub fn is_gsm(c: char) -> bool {
    septets(c).is_some()
}

/// The basic table's characters outside ASCII, in table order.
const NON_ASCII_BASIC: &str = "£¥èéùìòÇØøÅåΔΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà";

#[cfg(test)]
mod tests {
    use super::*;

    /// The basic table transcribed by position (rows 0x00, 0x10, … 0x70), with the
    /// escape code at 0x1B written as `\u{1b}`.
    const BASIC_BY_POSITION: [&str; 8] = [
        "@£$¥èéùìòÇ\nØø\rÅå",
        "Δ_ΦΓΛΩΠΨΣΘΞ\u{1b}ÆæßÉ",
        " !\"#¤%&'()*+,-./",
        "0123456789:;<=>?",
        "¡ABCDEFGHIJKLMNO",
        "PQRSTUVWXYZÄÖÑÜ§",
        "¿abcdefghijklmno",
        "pqrstuvwxyzäöñüà",
    ];

    #[test]
    fn every_basic_table_position_costs_one_septet() {
        for row in BASIC_BY_POSITION {
            assert_eq!(row.chars().count(), 16, "row {row:?}");
            for c in row.chars().filter(|&c| c != '\u{1b}') {
                assert_eq!(septets(c), Some(1), "{c:?}");
            }
        }
    }

    #[test]
    fn exactly_the_table_sizes_are_gsm() {
        let all = (0..=0x10FFFF).filter_map(char::from_u32);
        let (mut basic, mut extension) = (0, 0);
        for c in all {
            match septets(c) {
                Some(1) => basic += 1,
                Some(2) => extension += 1,
                _ => {}
            }
        }
        // 128 positions minus the escape code; ten extension characters.
        assert_eq!(basic, 127);
        assert_eq!(extension, 10);
    }

    #[test]
    fn extension_characters_cost_two_septets() {
        for c in "^{}\\[~]|€\u{c}".chars() {
            assert_eq!(septets(c), Some(2), "{c:?}");
        }
    }

    #[test]
    fn common_look_alikes_are_not_gsm() {
        for c in "`ç’“”„–—…\u{a0}\u{200b}\u{ad}•áÀÈ\t".chars() {
            assert!(!is_gsm(c), "{c:?}");
        }
        assert!(is_gsm('$') && is_gsm('¤') && is_gsm('Ç') && is_gsm('É'));
    }
}
