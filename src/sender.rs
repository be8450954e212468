//! The sender ID an SMS shows as its origin: [`SenderId`] holds a value that meets
//! LOX24's rule, `^(\+?[1-9]\d{0,14}|[a-zA-Z0-9 ]{1,11})$`: a name of 1 to 11 ASCII
//! letters, digits and spaces, or a number of up to 15 digits with an optional `+`.
//! Because only those characters pass, a sender ID can never carry a line break into an
//! HTTP body or header. Which sender is the default (`sms.sender_id`) and which the pane
//! last used is decided elsewhere.

use std::fmt;

use serde::Serialize;

/// A sender ID LOX24 accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SenderId(String);

/// Which part of LOX24's rule a sender ID breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderIdError {
    #[error("the sender ID is empty; use a name of up to 11 letters, digits or spaces")]
    Empty,
    #[error(
        "the sender ID {input:?} contains {}; {}",
        quoted(characters),
        what_is_allowed(characters)
    )]
    Characters {
        input: String,
        characters: Vec<char>,
    },
    #[error(
        "the sender ID {input:?} has {length} characters; a name may have at most 11 \
         letters, digits or spaces"
    )]
    NameTooLong { input: String, length: usize },
    #[error(
        "the sender ID {input:?} has {digits} digits; a number may have at most 15 (the \
         + not counted)"
    )]
    NumberTooLong { input: String, digits: usize },
    #[error(
        "the sender ID {input:?} is a number starting with 0; write it with its country \
         code, such as +49…"
    )]
    LeadingZero { input: String },
    #[error("the sender ID {input:?} has no digits after the +")]
    NoDigits { input: String },
}

impl SenderIdError {
    pub fn code(&self) -> &'static str {
        match self {
            SenderIdError::Empty => "sender_id_empty",
            SenderIdError::Characters { .. } => "sender_id_characters",
            SenderIdError::NameTooLong { .. } => "sender_id_too_long",
            SenderIdError::NumberTooLong { .. } => "sender_id_too_long",
            SenderIdError::LeadingZero { .. } => "sender_id_leading_zero",
            SenderIdError::NoDigits { .. } => "sender_id_no_digits",
        }
    }
}

impl SenderId {
    /// Checks `raw` against LOX24's rule. Spaces at either end are dropped first (a
    /// pasted value often has them and a phone would not show them).
    pub fn parse(raw: &str) -> Result<SenderId, SenderIdError> {
        let value = raw.trim();
        let input = || value.to_string();
        if value.is_empty() {
            return Err(SenderIdError::Empty);
        }
        if let Some(digits) = value.strip_prefix('+') {
            return number(digits, value).map(|()| SenderId(input()));
        }

        let mut characters: Vec<char> = value
            .chars()
            .filter(|&c| !c.is_ascii_alphanumeric() && c != ' ')
            .collect();
        characters.dedup();
        if !characters.is_empty() {
            return Err(SenderIdError::Characters {
                input: input(),
                characters,
            });
        }
        let length = value.chars().count();
        if length > 11 && value.bytes().all(|b| b.is_ascii_digit()) {
            return number(value, value).map(|()| SenderId(input()));
        }
        if length > 11 {
            return Err(SenderIdError::NameTooLong {
                input: input(),
                length,
            });
        }
        Ok(SenderId(input()))
    }

    /// The value for LOX24's `sender_id` field.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SenderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The numeric form: 1 to 15 digits, the first not 0.
fn number(digits: &str, value: &str) -> Result<(), SenderIdError> {
    let input = || value.to_string();
    let mut characters: Vec<char> = digits.chars().filter(|c| !c.is_ascii_digit()).collect();
    characters.dedup();
    if !characters.is_empty() {
        return Err(SenderIdError::Characters {
            input: input(),
            characters,
        });
    }
    match digits.len() {
        0 => Err(SenderIdError::NoDigits { input: input() }),
        _ if digits.starts_with('0') => Err(SenderIdError::LeadingZero { input: input() }),
        n if n > 15 => Err(SenderIdError::NumberTooLong {
            input: input(),
            digits: n,
        }),
        _ => Ok(()),
    }
}

fn quoted(characters: &[char]) -> String {
    let quoted: Vec<String> = characters.iter().map(|c| format!("{c:?}")).collect();
    quoted.join(", ")
}

/// Names the rule the characters break: letters beyond A–Z (umlauts, accents) or
/// punctuation and symbols.
fn what_is_allowed(characters: &[char]) -> &'static str {
    let letters = characters.iter().any(|c| c.is_alphabetic());
    let others = characters.iter().any(|c| !c.is_alphabetic());
    match (letters, others) {
        (true, false) => {
            "umlauts and accented letters are not allowed, only A-Z, a-z, digits and \
             spaces (write ü as ue)"
        }
        (false, _) => {
            "punctuation and symbols are not allowed, only A-Z, a-z, digits and spaces \
             (a number may start with +)"
        }
        (true, true) => {
            "umlauts, accented letters, punctuation and symbols are not allowed, only \
             A-Z, a-z, digits and spaces"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(raw: &str) -> &'static str {
        SenderId::parse(raw).unwrap_err().code()
    }

    #[test]
    fn names_and_numbers_in_the_rule_are_accepted() {
        let valid = [
            "Praxis",
            "Dr Mueller",
            "ACME 24",
            "A",
            "ABCDEFGHIJK",
            "0123",
            "12345678901",
            "+491701234567",
            "491701234567",
            "+123456789012345",
            "1",
        ];
        for raw in valid {
            assert_eq!(SenderId::parse(raw).unwrap().as_str(), raw);
        }
        assert_eq!(
            SenderId::parse("  Praxis \n").unwrap().to_string(),
            "Praxis"
        );
    }

    #[test]
    fn umlauts_are_refused_by_name() {
        let error = SenderId::parse("Müller").unwrap_err();
        let expected = SenderIdError::Characters {
            input: "Müller".into(),
            characters: vec!['ü'],
        };
        assert_eq!(error, expected);
        assert!(error.to_string().contains("umlauts"), "{error}");
        assert_eq!(code("Café"), "sender_id_characters");
    }

    #[test]
    fn punctuation_is_refused_by_name() {
        let error = SenderId::parse("Shop-24.de").unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("'-', '.'") && message.contains("punctuation"),
            "{message}"
        );
        for raw in [
            "A&B",
            "Hi!",
            "a_b",
            "x\ny",
            "Tab\there",
            "+49 170",
            "+49-170",
        ] {
            assert_eq!(code(raw), "sender_id_characters", "{raw:?}");
        }
    }

    #[test]
    fn lengths_beyond_the_rule_are_refused() {
        assert_eq!(code("ABCDEFGHIJKL"), "sender_id_too_long");
        let error = SenderId::parse("Praxis Dr Mu").unwrap_err();
        assert!(error.to_string().contains("has 12 characters"), "{error}");
        assert_eq!(code("+1234567890123456"), "sender_id_too_long");
        assert_eq!(code("1234567890123456"), "sender_id_too_long");
    }

    #[test]
    fn a_number_must_not_start_with_zero_and_needs_digits() {
        assert_eq!(code("+0170123"), "sender_id_leading_zero");
        assert_eq!(code("017012345678"), "sender_id_leading_zero");
        assert_eq!(code("+"), "sender_id_no_digits");
        assert_eq!(code("   "), "sender_id_empty");
    }
}
