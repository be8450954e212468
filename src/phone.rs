//! Phone numbers: [`PhoneNumber`] is a recipient in E.164 (`+491701234567`), built once
//! from whatever the user pasted and trusted afterwards. National formats are read with
//! the configured [`DefaultCountry`]; the numbering plans come from the `phonenumber`
//! crate (libphonenumber's metadata), not from rules written here. A pasted list of
//! numbers is split, normalised and de-duplicated by [`parse_recipients`]. Whether a
//! number is worth sending to is checked here; the cap on recipients per send is
//! enforced by the caller with [`TooManyRecipients`]. Sending lives elsewhere.
//!
//! Vanity numbers with letters (`0800-FLOWERS`) and extensions are refused: an SMS
//! cannot reach an extension, and a letter in a pasted number is more often a name or a
//! typo than a keypad spelling.

use std::collections::HashMap;
use std::fmt;

use phonenumber::country::Source;
use phonenumber::{Mode, Type};
use serde::Serialize;

/// The country national numbers (`0170 …`) are read in: `sms.default_country`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultCountry {
    id: phonenumber::country::Id,
    calling_code: u16,
}

/// A country code without a numbering plan in the metadata.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a country with a known numbering plan; use a code such as DE, AT or CH")]
pub struct UnknownCountry(pub String);

impl DefaultCountry {
    /// Reads a two-letter ISO 3166 code such as `DE`.
    pub fn parse(code: &str) -> Result<DefaultCountry, UnknownCountry> {
        let unknown = || UnknownCountry(code.to_string());
        let id: phonenumber::country::Id = code.parse().map_err(|_| unknown())?;
        let metadata = phonenumber::metadata::DATABASE
            .by_id(id.as_ref())
            .ok_or_else(unknown)?;
        Ok(DefaultCountry {
            id,
            calling_code: metadata.country_code(),
        })
    }
}

impl fmt::Display for DefaultCountry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (+{})", self.id.as_ref(), self.calling_code)
    }
}

/// A valid number in E.164: `+`, the country code and the national number, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

/// A number and what the user should know before sending to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalised {
    pub number: PhoneNumber,
    pub warnings: Vec<PhoneWarning>,
}

/// Something doubtful about a valid number; it is still sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneWarning {
    /// A landline number.
    FixedLine,
    /// A service number (toll-free, premium rate, shared cost, VoIP, pager …).
    NotMobile,
}

impl PhoneWarning {
    pub fn code(self) -> &'static str {
        match self {
            PhoneWarning::FixedLine => "fixed_line",
            PhoneWarning::NotMobile => "not_mobile",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            PhoneWarning::FixedLine => {
                "this looks like a landline number; LOX24 cannot deliver SMS to most \
                 landlines, so check that it is a mobile number"
            }
            PhoneWarning::NotMobile => {
                "this looks like a service number (toll-free, premium rate, VoIP or \
                 similar), not a mobile one; it may not receive SMS"
            }
        }
    }
}

/// Why a pasted entry is not a number to send to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("no number given")]
    Empty,
    #[error(
        "{input:?} contains letters ({letters}); a phone number has only digits, a \
         leading +, spaces and ( ) - . /"
    )]
    Letters { input: String, letters: String },
    #[error(
        "{input:?} contains {character:?}, which has no place in a phone number; use \
         only digits, a leading +, spaces and ( ) - . /"
    )]
    Character { input: String, character: char },
    #[error("{input:?} is too short for a phone number{context}; check for missing digits")]
    TooShort { input: String, context: Context },
    #[error(
        "{input:?} is too long for a phone number{context}; check for extra digits or two \
         numbers run together"
    )]
    TooLong { input: String, context: Context },
    #[error("{input:?} starts with an unknown country code; check the digits after + or 00")]
    CountryCode { input: String },
    #[error("{input:?} is not a possible phone number{context}; check the digits")]
    Impossible { input: String, context: Context },
}

/// How a number was read, for messages: the country it was taken to be in and whether
/// that came from `sms.default_country`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    calling_code: u16,
    default_country: Option<DefaultCountry>,
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.default_country {
            Some(country) => write!(f, " in {country}, the sms.default_country"),
            None => write!(f, " with country code +{}", self.calling_code),
        }
    }
}

impl PhoneError {
    pub fn code(&self) -> &'static str {
        match self {
            PhoneError::Empty => "phone_empty",
            PhoneError::Letters { .. } => "phone_letters",
            PhoneError::Character { .. } => "phone_character",
            PhoneError::TooShort { .. } => "phone_too_short",
            PhoneError::TooLong { .. } => "phone_too_long",
            PhoneError::CountryCode { .. } => "phone_country_code",
            PhoneError::Impossible { .. } => "phone_impossible",
        }
    }
}

impl PhoneNumber {
    /// Normalises one number as typed: `+49 170 …`, `0049 170 …`, `0170 …` (read in
    /// `country`), `+49 (0)170 …`, with spaces, dashes, dots, slashes and parentheses.
    pub fn parse(raw: &str, country: DefaultCountry) -> Result<Normalised, PhoneError> {
        let compact = compact(raw)?;
        let parsed = read(&compact, country, raw)?;
        let number = parsed.format().mode(Mode::E164).to_string();
        let warnings = warning(&parsed).into_iter().collect();
        Ok(Normalised {
            number: PhoneNumber(number),
            warnings,
        })
    }

    /// The E.164 form, as LOX24's `phone` field takes it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of line a valid number is, as far as the warnings care. phonenumber's own
/// `number_type` drops the national number's leading zeros (an Italian landline would
/// come out as unknown), so the descriptors are matched here with them.
fn warning(parsed: &phonenumber::PhoneNumber) -> Option<PhoneWarning> {
    let national = national_digits(parsed);
    let metadata = metadata(parsed, &national)?;
    let is = |kind| {
        metadata
            .descriptors()
            .get(kind)
            .is_some_and(|d| d.is_match(&national))
    };
    if is(Type::Mobile) {
        None
    } else if is(Type::FixedLine) {
        Some(PhoneWarning::FixedLine)
    } else {
        Some(PhoneWarning::NotMobile)
    }
}

/// The numbering plan of the country the number belongs to, among those sharing its
/// calling code (+39 is Italy and the Vatican). phonenumber's own lookup drops leading
/// zeros and then finds none for Rome's 06, so the general pattern decides here.
fn metadata<'a>(
    parsed: &phonenumber::PhoneNumber,
    national: &str,
) -> Option<&'a phonenumber::Metadata> {
    let regions = phonenumber::metadata::DATABASE.by_code(&parsed.code().value())?;
    let matches = |m: &&phonenumber::Metadata| {
        m.descriptors()
            .get(Type::Unknown)
            .is_some_and(|d| d.is_match(national))
    };
    regions
        .iter()
        .copied()
        .find(matches)
        .or(regions.first().copied())
}

/// Keeps a leading `+` and the digits; drops separators; refuses anything else.
fn compact(raw: &str) -> Result<String, PhoneError> {
    let input = || raw.trim().to_string();
    let letters: String = raw.chars().filter(|c| c.is_alphabetic()).collect();
    if !letters.is_empty() {
        let letters = letters
            .chars()
            .map(String::from)
            .collect::<Vec<_>>()
            .join(", ");
        return Err(PhoneError::Letters {
            input: input(),
            letters,
        });
    }

    let mut compact = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '0'..='9' => compact.push(c),
            '+' if compact.is_empty() => compact.push(c),
            _ if is_separator(c) => {}
            character => {
                return Err(PhoneError::Character {
                    input: input(),
                    character,
                });
            }
        }
    }
    if compact.is_empty() {
        return Err(PhoneError::Empty);
    }
    Ok(compact)
}

/// What people and Outlook put between digits: spaces of any width, dashes, dots,
/// slashes, parentheses (also around a trunk `0`), and invisible direction marks.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '.' | '/' | '(' | ')' | '‐' | '‑' | '‒' | '–' | '—' | '−'
        )
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}')
        || c == '\u{feff}'
}

/// Parses with the numbering plans and classifies a failure.
///
/// phonenumber 0.3 strips the default country's national prefix even from a number
/// that carries its own country code (with DE as default, Rome's "+39 06 …" would lose
/// its 0), so a number with `+` or `00` is read without a default country first.
fn read(
    compact: &str,
    country: DefaultCountry,
    raw: &str,
) -> Result<phonenumber::PhoneNumber, PhoneError> {
    let input = raw.trim().to_string();
    if compact.starts_with('+') {
        return checked(phonenumber::parse(None, compact), compact, input, country);
    }
    let Some(rest) = compact.strip_prefix("00") else {
        return checked(
            phonenumber::parse(Some(country.id), compact),
            compact,
            input,
            country,
        );
    };

    let international = phonenumber::parse(None, format!("+{rest}"));
    if international.as_ref().is_ok_and(|n| n.is_valid()) {
        return checked(international, compact, input, country);
    }
    // Where 00 is not the international prefix (Australia dials 0011), the default
    // country reads the number differently; its reading counts only if it found another
    // country code, because for the same code it differs only by the stripping above.
    let national = phonenumber::parse(Some(country.id), compact);
    let code = |n: &phonenumber::PhoneNumber| n.code().value();
    let other_country = match (&national, &international) {
        (Ok(national), Ok(international)) => code(national) != code(international),
        (Ok(_), Err(_)) => true,
        (Err(_), _) => false,
    };
    if other_country && national.as_ref().is_ok_and(|n| n.is_valid()) {
        return checked(national, compact, input, country);
    }
    checked(international, compact, input, country)
}

/// A parse result as a valid number or the reason it is not one.
fn checked(
    parsed: Result<phonenumber::PhoneNumber, phonenumber::ParseError>,
    compact: &str,
    input: String,
    country: DefaultCountry,
) -> Result<phonenumber::PhoneNumber, PhoneError> {
    match parsed {
        Ok(number) if number.is_valid() => Ok(number),
        Ok(number) => Err(invalid(&number, input, country)),
        Err(error) => Err(parse_failure(error, compact, input, country)),
    }
}

fn parse_failure(
    error: phonenumber::ParseError,
    compact: &str,
    input: String,
    country: DefaultCountry,
) -> PhoneError {
    let national = !compact.starts_with('+') && !compact.starts_with("00");
    let default_country = national.then_some(country);
    let context = Context {
        calling_code: country.calling_code,
        default_country,
    };
    match error {
        phonenumber::ParseError::InvalidCountryCode => PhoneError::CountryCode { input },
        phonenumber::ParseError::TooLong => PhoneError::TooLong { input, context },
        phonenumber::ParseError::MalformedInteger(_) => PhoneError::Impossible { input, context },
        phonenumber::ParseError::NoNumber
        | phonenumber::ParseError::TooShortAfterIdd
        | phonenumber::ParseError::TooShortNsn => PhoneError::TooShort { input, context },
    }
}

/// Tells a number that is valid once digits are removed from its end (too long) or
/// added to it (too short) from one that is impossible at any length.
fn invalid(
    parsed: &phonenumber::PhoneNumber,
    input: String,
    country: DefaultCountry,
) -> PhoneError {
    let calling_code = parsed.code().value();
    if phonenumber::metadata::DATABASE
        .region(&calling_code)
        .is_none()
    {
        return PhoneError::CountryCode { input };
    }
    let from_default = parsed.code().source() == Source::Default;
    let default_country = from_default.then_some(country);
    let context = Context {
        calling_code,
        default_country,
    };

    let national = national_digits(parsed);
    let valid = |digits: &str| {
        let candidate = phonenumber::parse(None, format!("+{calling_code}{digits}"));
        candidate.is_ok_and(|n| n.is_valid())
    };
    if (1..national.len()).any(|end| valid(&national[..end])) {
        return PhoneError::TooLong { input, context };
    }
    let longer = |filler: char| (1..=MAX_DIGITS).any(|n| valid(&padded(&national, filler, n)));
    if shorter_than_any(parsed, national.len()) || longer('0') || longer('5') {
        return PhoneError::TooShort { input, context };
    }
    PhoneError::Impossible { input, context }
}

/// Whether `length` digits are fewer than any kind of number in the number's country has.
fn shorter_than_any(parsed: &phonenumber::PhoneNumber, length: usize) -> bool {
    let Some(metadata) = metadata(parsed, &national_digits(parsed)) else {
        return false;
    };
    let kinds = [
        Type::FixedLine,
        Type::Mobile,
        Type::TollFree,
        Type::PremiumRate,
        Type::Voip,
    ];
    let shortest = kinds
        .into_iter()
        .filter_map(|kind| metadata.descriptors().get(kind))
        .filter_map(|descriptor| descriptor.possible_length().first().copied())
        .min();
    shortest.is_some_and(|shortest| length < usize::from(shortest))
}

/// E.164 allows 15 digits; more than that cannot be missing from any number.
const MAX_DIGITS: usize = 15;

fn padded(national: &str, filler: char, n: usize) -> String {
    let mut digits = national.to_string();
    digits.extend(std::iter::repeat_n(filler, n));
    digits
}

/// The national significant number with its leading zeros (Italy keeps them).
fn national_digits(parsed: &phonenumber::PhoneNumber) -> String {
    let national = parsed.national();
    let zeros = "0".repeat(usize::from(national.zeros()));
    format!("{zeros}{}", national.value())
}

/// One entry of a pasted list, as reported back to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    /// The entry as typed (trimmed).
    pub input: String,
    /// The E.164 number, or `null` when the entry was refused.
    pub phone: Option<PhoneNumber>,
    pub error: Option<Problem>,
    pub warnings: Vec<Problem>,
}

/// A code and a message for the user, as the API's errors and warnings carry them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub code: &'static str,
    pub message: String,
}

/// An entry dropped because an earlier entry is the same number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Duplicate {
    pub input: String,
    pub phone: PhoneNumber,
    /// The earlier entry as typed, which is kept.
    pub same_as: String,
}

/// A pasted list, read: each distinct entry in the order typed, and the duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientList {
    pub recipients: Vec<Recipient>,
    pub duplicates: Vec<Duplicate>,
}

impl RecipientList {
    /// The numbers to send to, in the order typed.
    pub fn numbers(&self) -> impl Iterator<Item = &PhoneNumber> {
        self.recipients.iter().filter_map(|r| r.phone.as_ref())
    }

    /// Whether any entry was refused.
    pub fn has_errors(&self) -> bool {
        self.recipients.iter().any(|r| r.error.is_some())
    }
}

/// The entries in pasted lists: each of `inputs` split at commas, semicolons, line breaks
/// and tabs, trimmed, empty ones (a trailing comma, a blank line) skipped.
pub fn entries<'a>(inputs: impl IntoIterator<Item = &'a str>) -> impl Iterator<Item = &'a str> {
    inputs
        .into_iter()
        .flat_map(|input| input.split([',', ';', '\n', '\r', '\t']))
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
}

/// Normalises each of the [`entries`] in `inputs` and drops an entry whose number an
/// earlier entry already has.
pub fn parse_recipients<'a>(
    inputs: impl IntoIterator<Item = &'a str>,
    country: DefaultCountry,
) -> RecipientList {
    let mut list = RecipientList {
        recipients: vec![],
        duplicates: vec![],
    };
    // Each number already taken, with the entry as typed that brought it.
    let mut seen: HashMap<PhoneNumber, String> = HashMap::new();

    for input in entries(inputs) {
        let recipient = match PhoneNumber::parse(input, country) {
            Ok(Normalised { number, warnings }) => {
                if let Some(first) = seen.get(&number) {
                    let same_as = first.clone();
                    let input = input.to_string();
                    list.duplicates.push(Duplicate {
                        input,
                        phone: number,
                        same_as,
                    });
                    continue;
                }
                seen.insert(number.clone(), input.to_string());
                let warnings = warnings.into_iter().map(Problem::from).collect();
                Recipient {
                    input: input.into(),
                    phone: Some(number),
                    error: None,
                    warnings,
                }
            }
            Err(error) => {
                let error = Some(Problem::from(&error));
                Recipient {
                    input: input.into(),
                    phone: None,
                    error,
                    warnings: vec![],
                }
            }
        };
        list.recipients.push(recipient);
    }
    list
}

impl From<PhoneWarning> for Problem {
    fn from(warning: PhoneWarning) -> Problem {
        Problem {
            code: warning.code(),
            message: warning.message().to_string(),
        }
    }
}

impl From<&PhoneError> for Problem {
    fn from(error: &PhoneError) -> Problem {
        Problem {
            code: error.code(),
            message: error.to_string(),
        }
    }
}

/// More recipients than one send may have. The cap guards against a pasted address
/// book being billed by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "{count} recipients are more than the {cap} allowed in one send; send to fewer, or \
     raise the cap with sms.max_recipients in the configuration or send --max-recipients N"
)]
pub struct TooManyRecipients {
    pub count: usize,
    pub cap: usize,
}

impl TooManyRecipients {
    /// `Err` when `count` exceeds `cap`.
    pub fn check(count: usize, cap: usize) -> Result<(), TooManyRecipients> {
        if count > cap {
            Err(TooManyRecipients { count, cap })
        } else {
            Ok(())
        }
    }

    pub fn code(&self) -> &'static str {
        "too_many_recipients"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country(code: &str) -> DefaultCountry {
        DefaultCountry::parse(code).unwrap()
    }

    fn e164(raw: &str, default: &str) -> (String, Vec<PhoneWarning>) {
        let normalised = PhoneNumber::parse(raw, country(default))
            .unwrap_or_else(|e| panic!("{raw:?} in {default}: {e}"));
        (normalised.number.as_str().to_string(), normalised.warnings)
    }

    fn mobile(raw: &str, default: &str) -> String {
        let (number, warnings) = e164(raw, default);
        assert_eq!(warnings, [], "{raw:?}");
        number
    }

    fn fixed_line(raw: &str, default: &str) -> String {
        let (number, warnings) = e164(raw, default);
        assert_eq!(warnings, [PhoneWarning::FixedLine], "{raw:?}");
        number
    }

    fn error(raw: &str) -> PhoneError {
        PhoneNumber::parse(raw, country("DE")).unwrap_err()
    }

    #[test]
    fn german_mobile_numbers_in_every_written_form() {
        let forms = [
            "+49 170 1234567",
            "+491701234567",
            "0049 170 1234567",
            "0170 1234567",
            "0170/1234567",
            "0170-123 45 67",
            "0170.123.4567",
            "(0170) 1234567",
            "+49 (0)170 1234567",
            "+49 (0) 170 - 123 45 67",
            "+49\u{a0}170\u{a0}1234567",
            "\u{200e}+49 170 1234567\u{200e}",
            "+49 170 123 45 67",
        ];
        for raw in forms {
            assert_eq!(mobile(raw, "DE"), "+491701234567", "{raw:?}");
        }
    }

    #[test]
    fn national_numbers_are_read_in_the_default_country() {
        assert_eq!(mobile("0664 1234567", "AT"), "+436641234567");
        assert_eq!(mobile("078 123 45 67", "CH"), "+41781234567");
        assert_eq!(mobile("07400 123456", "GB"), "+447400123456");
        assert_eq!(mobile("(201) 555-0123", "US"), "+12015550123");
        assert_eq!(mobile("201.555.0123", "US"), "+12015550123");
    }

    #[test]
    fn international_numbers_ignore_the_default_country() {
        assert_eq!(mobile("+43 664 1234567", "DE"), "+436641234567");
        assert_eq!(mobile("0041 78 123 45 67", "DE"), "+41781234567");
        assert_eq!(mobile("+44 (0)7400 123456", "DE"), "+447400123456");
        assert_eq!(mobile("+1 201-555-0123", "DE"), "+12015550123");
        // Italian numbers keep their leading 0 after the country code.
        assert_eq!(fixed_line("+39 06 1234 5678", "DE"), "+390612345678");
        assert_eq!(fixed_line("0039 06 1234 5678", "DE"), "+390612345678");
        assert_eq!(mobile("0011 49 170 1234567", "AU"), "+491701234567");
        // 00 is no international prefix in the US, but people still mean +49.
        assert_eq!(mobile("0049 170 1234567", "US"), "+491701234567");
    }

    #[test]
    fn fixed_line_numbers_are_accepted_with_a_warning() {
        assert_eq!(fixed_line("030 123456", "DE"), "+4930123456");
        assert_eq!(fixed_line("01 234567890", "AT"), "+431234567890");
        assert_eq!(fixed_line("021 234 56 78", "CH"), "+41212345678");
        assert_eq!(fixed_line("0121 234 5678", "GB"), "+441212345678");
        assert_eq!(PhoneWarning::FixedLine.code(), "fixed_line");
        assert!(PhoneWarning::FixedLine.message().contains("landline"));
    }

    #[test]
    fn service_numbers_get_a_warning() {
        let (number, warnings) = e164("0800 1234567", "DE");
        assert_eq!(
            (number.as_str(), &warnings[..]),
            ("+498001234567", &[PhoneWarning::NotMobile][..])
        );
    }

    #[test]
    fn letters_are_refused_and_named() {
        let error = error("0170 CALL ME");
        assert_eq!(error.code(), "phone_letters");
        assert!(error.to_string().contains("(C, A, L, L, M, E)"), "{error}");
        assert_eq!(
            super::tests::error("Max <0170 1234567>").code(),
            "phone_letters"
        );
    }

    #[test]
    fn other_characters_are_refused_and_named() {
        for (raw, character) in [
            ("0170#1234567", '#'),
            ("++49 170 1234567", '+'),
            ("0170*1", '*'),
        ] {
            let error = error(raw);
            assert_eq!(
                error,
                PhoneError::Character {
                    input: raw.into(),
                    character
                }
            );
        }
    }

    #[test]
    fn too_short_numbers_are_refused() {
        for raw in ["0170 12", "12", "+49 170", "+"] {
            assert_eq!(
                error(raw).code(),
                "phone_too_short",
                "{raw:?}: {}",
                error(raw)
            );
        }
        let message = error("0170 12").to_string();
        assert!(
            message.contains("in DE (+49), the sms.default_country"),
            "{message}"
        );
    }

    #[test]
    fn too_long_numbers_are_refused() {
        for raw in [
            "0170 1234567 8901",
            "0170 123456789012345",
            "+49 170 12345678 9",
        ] {
            assert_eq!(
                error(raw).code(),
                "phone_too_long",
                "{raw:?}: {}",
                error(raw)
            );
        }
    }

    #[test]
    fn impossible_numbers_and_country_codes_are_refused() {
        assert_eq!(error("+999 1234567").code(), "phone_country_code");
        assert_eq!(error("+1 011 555 0123").code(), "phone_impossible");
        assert_eq!(error("0000 000000").code(), "phone_country_code");
        assert_eq!(error("0123 456789").code(), "phone_impossible");
        assert_eq!(error(" -/ ").code(), "phone_empty");
    }

    #[test]
    fn a_pasted_list_is_split_normalised_and_deduplicated() {
        let pasted = "+49 170 1234567, 0170 1234567;0049170/1234567\r\n\
                      0171 2345678\tabc,, ;\n030 123456\n";
        let list = parse_recipients([pasted, "0171-2345678"], country("DE"));
        let inputs: Vec<&str> = list.recipients.iter().map(|r| r.input.as_str()).collect();
        assert_eq!(
            inputs,
            ["+49 170 1234567", "0171 2345678", "abc", "030 123456"]
        );
        let numbers: Vec<&str> = list.numbers().map(PhoneNumber::as_str).collect();
        assert_eq!(numbers, ["+491701234567", "+491712345678", "+4930123456"]);
        assert!(list.has_errors());
        assert_eq!(
            list.recipients[2].error.as_ref().unwrap().code,
            "phone_letters"
        );
        assert_eq!(list.recipients[3].warnings[0].code, "fixed_line");

        let dropped: Vec<(&str, &str)> = list
            .duplicates
            .iter()
            .map(|d| (d.input.as_str(), d.same_as.as_str()))
            .collect();
        assert_eq!(
            dropped,
            [
                ("0170 1234567", "+49 170 1234567"),
                ("0049170/1234567", "+49 170 1234567"),
                ("0171-2345678", "0171 2345678"),
            ]
        );
    }

    #[test]
    fn a_recipient_serialises_with_input_phone_error_and_warnings() {
        let list = parse_recipients(["0170 1234567"], country("DE"));
        let json = serde_json::to_value(&list.recipients[0]).unwrap();
        let expected = serde_json::json!({
            "input": "0170 1234567", "phone": "+491701234567", "error": null, "warnings": []
        });
        assert_eq!(json, expected);
    }

    #[test]
    fn the_recipient_cap_names_itself_and_how_to_raise_it() {
        assert_eq!(TooManyRecipients::check(50, 50), Ok(()));
        let error = TooManyRecipients::check(51, 50).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("51 recipients are more than the 50"),
            "{message}"
        );
        assert!(message.contains("sms.max_recipients") && message.contains("--max-recipients N"));
        assert_eq!(error.code(), "too_many_recipients");
    }

    #[test]
    fn the_default_country_must_have_a_numbering_plan() {
        assert!(DefaultCountry::parse("XX").is_err());
        assert_eq!(country("AT").to_string(), "AT (+43)");
    }
}
