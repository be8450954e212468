//! The simulator's checks of a `POST /sms` body, as LOX24 documents them: required fields,
//! the `sender_id` pattern, the phone number (normalised to E.164 the way LOX24 does for
//! an account with a German company address), `service_code` among the account's
//! services, `callback_data` of at most 36 characters, the text limit, and the field
//! types. The outcome is a [`Draft`] with the encoding and part count filled in, or the
//! list of violations for a 400. Storing, charging and answering happen in `api`.

use serde_json::{Map, Value};

use super::segments::{self, Encoding};

/// A checked message, before it is charged and stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub sender_id: String,
    pub phone: String,
    pub iso2: Option<&'static str>,
    /// The text as stored: transliterated if GSM was forced.
    pub text: String,
    pub is_unicode: bool,
    pub chars_count: usize,
    pub parts_count: usize,
    pub service_code: String,
    pub delivery_at: i64,
    pub callback_data: Option<String>,
    pub source: Option<i64>,
    pub is_text_deleted: bool,
    pub voice_lang: Option<String>,
}

/// One failed check: the field (`propertyPath`) and Symfony's message for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub field: &'static str,
    pub message: String,
}

/// Why a body was refused: not JSON at all, or failed checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    Syntax,
    Violations(Vec<Violation>),
}

const VOICE_LANGS: [&str; 5] = ["DE", "ES", "EN", "IT", "FR"];
const CALLBACK_DATA_MAX: usize = 36;
const BLANK: &str = "This value should not be blank.";
const NOT_VALID: &str = "This value is not valid.";
const SERVICE: &str = "Service's code is invalid or unavailable.";

/// Checks a body for an account with `services`, whose company address is in `country`.
pub fn check(body: &[u8], services: &[String], country: &str) -> Result<Draft, Refused> {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(Refused::Syntax);
    };
    let mut violations = Vec::new();
    let mut field = Fields {
        fields: &fields,
        violations: &mut violations,
    };

    let sender_id = field.required_text("sender_id");
    let phone = field.required_text("phone");
    let text = field.required_text("text");
    let service_code = field.optional_text("service_code");
    let delivery_at = field.optional_int("delivery_at");
    let is_unicode = field.optional_bool("is_unicode");
    let callback_data = field.optional_text("callback_data");
    let voice_lang = field.optional_text("voice_lang");
    let source = field.optional_int("source");
    let is_text_deleted = field.optional_bool("is_text_deleted");

    if let Some(sender) = &sender_id
        && !sender_pattern(sender)
    {
        violations.push(violation("sender_id", NOT_VALID));
    }
    let phone = phone.and_then(|raw| match normalise_phone(&raw, country) {
        Some(phone) => Some(phone),
        None => {
            violations.push(violation(
                "phone",
                "This value is not a valid phone number.",
            ));
            None
        }
    });
    let service_code = service_code.unwrap_or_else(|| "direct".to_string());
    if !services.contains(&service_code) {
        violations.push(violation("service_code", SERVICE));
    }
    if delivery_at.is_some_and(|at| at < 0) {
        let message = "This value should be either positive or zero.";
        violations.push(violation("delivery_at", message));
    }
    if let Some(data) = &callback_data
        && data.chars().count() > CALLBACK_DATA_MAX
    {
        violations.push(too_long("callback_data", CALLBACK_DATA_MAX));
    }
    if let Some(lang) = &voice_lang
        && !VOICE_LANGS.contains(&lang.as_str())
    {
        let message = "The value you selected is not a valid choice.";
        violations.push(violation("voice_lang", message));
    }
    let encoded = text.map(|text| encode(&text, is_unicode));
    if let Some((_, count)) = &encoded
        && !count.within_limit()
    {
        violations.push(too_long("text", count.limit()));
    }

    match (sender_id, phone, encoded) {
        (Some(sender_id), Some(phone), Some((text, count))) if violations.is_empty() => Ok(Draft {
            sender_id,
            iso2: country_of(&phone),
            phone,
            chars_count: text.chars().count(),
            text,
            is_unicode: count.encoding == Encoding::Ucs2,
            parts_count: count.parts,
            service_code,
            delivery_at: delivery_at.unwrap_or(0),
            callback_data,
            source,
            is_text_deleted: is_text_deleted.unwrap_or(false),
            voice_lang,
        }),
        _ => Err(Refused::Violations(violations)),
    }
}

/// The text as it will be sent and its count: `is_unicode` `false` forces GSM (with
/// transliteration), `true` forces UCS-2, none picks GSM when every character has one.
fn encode(text: &str, is_unicode: Option<bool>) -> (String, segments::Count) {
    let unicode = is_unicode.unwrap_or_else(|| !segments::is_gsm(text));
    if unicode {
        (text.to_string(), segments::count(text, Encoding::Ucs2))
    } else {
        let text = segments::transliterate(text);
        let count = segments::count(&text, Encoding::Gsm7);
        (text, count)
    }
}

/// `^(\+?[1-9]\d{0,14}|[a-zA-Z0-9 ]{1,11})$`
fn sender_pattern(sender: &str) -> bool {
    let digits = sender.strip_prefix('+').unwrap_or(sender);
    let numeric = (1..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    let alphanumeric = (1..=11).contains(&sender.len())
        && sender
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b' ');
    numeric || alphanumeric
}

/// The number in E.164, as LOX24 normalises it: `00` and bare country codes become `+`,
/// and a national `0…` number gets the account's country code (Germany only here).
fn normalise_phone(raw: &str, country: &str) -> Option<String> {
    let e164 = if let Some(rest) = raw.strip_prefix('+') {
        format!("+{rest}")
    } else if let Some(rest) = raw.strip_prefix("00") {
        format!("+{rest}")
    } else if let Some(rest) = raw.strip_prefix('0') {
        match country {
            "DE" => format!("+49{rest}"),
            _ => return None,
        }
    } else {
        format!("+{raw}")
    };
    let digits = &e164[1..];
    let valid = (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    valid.then_some(e164)
}

/// The destination country of an E.164 number, for the countries the simulator knows.
fn country_of(phone: &str) -> Option<&'static str> {
    const PREFIXES: [(&str, &str); 15] = [
        ("+49", "DE"),
        ("+43", "AT"),
        ("+41", "CH"),
        ("+44", "GB"),
        ("+33", "FR"),
        ("+39", "IT"),
        ("+34", "ES"),
        ("+31", "NL"),
        ("+32", "BE"),
        ("+48", "PL"),
        ("+45", "DK"),
        ("+46", "SE"),
        ("+47", "NO"),
        ("+420", "CZ"),
        ("+1", "US"),
    ];
    PREFIXES
        .iter()
        .find(|(prefix, _)| phone.starts_with(prefix))
        .map(|(_, iso2)| *iso2)
}

fn violation(field: &'static str, message: &str) -> Violation {
    Violation {
        field,
        message: message.to_string(),
    }
}

fn too_long(field: &'static str, max: usize) -> Violation {
    let message = format!("This value is too long. It should have {max} characters or less.");
    Violation { field, message }
}

/// Reads typed fields from the body, recording a violation for each missing or mistyped
/// one.
struct Fields<'a> {
    fields: &'a Map<String, Value>,
    violations: &'a mut Vec<Violation>,
}

impl Fields<'_> {
    fn mistyped(&mut self, field: &'static str, type_name: &str) {
        let message = format!("This value should be of type {type_name}.");
        self.violations.push(Violation { field, message });
    }

    fn required_text(&mut self, field: &'static str) -> Option<String> {
        match self.fields.get(field) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.clone()),
            None | Some(Value::Null) | Some(Value::String(_)) => {
                self.violations.push(violation(field, BLANK));
                None
            }
            Some(_) => {
                self.mistyped(field, "string");
                None
            }
        }
    }

    fn optional_text(&mut self, field: &'static str) -> Option<String> {
        match self.fields.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(_) => {
                self.mistyped(field, "string");
                None
            }
        }
    }

    fn optional_int(&mut self, field: &'static str) -> Option<i64> {
        match self.fields.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
            Some(_) => {
                self.mistyped(field, "int");
                None
            }
        }
    }

    fn optional_bool(&mut self, field: &'static str) -> Option<bool> {
        match self.fields.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.mistyped(field, "bool");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn services() -> Vec<String> {
        vec!["direct".to_string(), "text2speech".to_string()]
    }

    fn checked(body: Value) -> Result<Draft, Refused> {
        check(body.to_string().as_bytes(), &services(), "DE")
    }

    fn fields_of(refused: Refused) -> Vec<&'static str> {
        match refused {
            Refused::Violations(list) => list.iter().map(|v| v.field).collect(),
            Refused::Syntax => vec!["(syntax)"],
        }
    }

    #[test]
    fn a_minimal_message_is_accepted_with_defaults() {
        let draft = checked(serde_json::json!({"sender_id": "Office",
            "phone": "+491701234567", "text": "Hallo Welt"}))
        .unwrap();
        assert_eq!(draft.service_code, "direct");
        assert_eq!((draft.parts_count, draft.chars_count), (1, 10));
        assert_eq!(draft.iso2, Some("DE"));
        assert!(!draft.is_unicode);
    }

    #[test]
    fn phone_numbers_are_normalised_to_e164() {
        for raw in [
            "+491701234567",
            "00491701234567",
            "491701234567",
            "01701234567",
        ] {
            let draft = checked(serde_json::json!({"sender_id": "Office", "phone": raw,
                "text": "x"}))
            .unwrap();
            assert_eq!(draft.phone, "+491701234567", "{raw}");
        }
        for raw in ["+49 170 1234567", "+0123", "12345678901234567", "abc", "+4"] {
            let refused = checked(serde_json::json!({"sender_id": "Office", "phone": raw,
                "text": "x"}))
            .unwrap_err();
            assert_eq!(fields_of(refused), ["phone"], "{raw}");
        }
    }

    #[test]
    fn senders_follow_the_documented_pattern() {
        for sender in ["+491701234567", "491701234567", "Office 1", "A", "0123"] {
            assert!(sender_pattern(sender), "{sender}");
        }
        for sender in ["Büro", "Office-Team", "twelve chars", "", "+0123", "a.b"] {
            assert!(!sender_pattern(sender), "{sender}");
        }
    }

    #[test]
    fn every_bad_field_is_reported() {
        let refused = checked(serde_json::json!({"sender_id": "Office_Team", "phone": "x",
            "text": "", "service_code": "economy", "callback_data": "c".repeat(37),
            "delivery_at": -1, "voice_lang": "XX"}))
        .unwrap_err();
        assert_eq!(
            fields_of(refused),
            [
                "text",
                "sender_id",
                "phone",
                "service_code",
                "delivery_at",
                "callback_data",
                "voice_lang"
            ]
        );
    }

    #[test]
    fn text_over_the_limit_and_wrong_types_are_refused() {
        let refused = checked(serde_json::json!({"sender_id": "Office",
            "phone": "+491701234567", "text": "ж".repeat(671), "is_unicode": "yes",
            "source": 1.5}))
        .unwrap_err();
        assert_eq!(fields_of(refused), ["is_unicode", "source", "text"]);
        assert_eq!(check(b"{not json", &services(), "DE"), Err(Refused::Syntax));
        assert_eq!(check(b"[1]", &services(), "DE"), Err(Refused::Syntax));
    }

    #[test]
    fn forced_gsm_transliterates_and_auto_detects_unicode() {
        let body = |is_unicode: Value| {
            serde_json::json!({"sender_id": "Office", "phone": "+491701234567",
                "text": "it`s – “ok”", "is_unicode": is_unicode})
        };
        let forced = checked(body(Value::Bool(false))).unwrap();
        assert_eq!(forced.text, "it's - \"ok\"");
        assert!(!forced.is_unicode);
        let auto = checked(body(Value::Null)).unwrap();
        assert!(auto.is_unicode);
        assert_eq!(auto.text, "it`s – “ok”");
    }
}
