//! A composed message as the pane or the CLI hands it over (text, recipients as typed,
//! sender, schedule) checked once into what `send` takes. Every refusal names the field
//! it is about, so the pane can point at it and the CLI can exit with a usage error.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::Config;
use crate::phone::{DefaultCountry, RecipientList, TooManyRecipients, parse_recipients};
use crate::send::{Compose, Recipient, RecipientError};
use crate::sender::SenderId;
use crate::sms::SmsText;

/// The most recipients one request may carry, whatever the caller asks for.
pub const RECIPIENT_CEILING: usize = 1000;

/// What the user composed, unchecked.
pub struct Draft {
    pub text: String,
    /// Numbers as typed; each entry may hold several separated by commas, semicolons or
    /// line breaks.
    pub to: Vec<String>,
    pub sender_id: Option<String>,
    /// When to send: RFC 3339 (`2026-12-24T09:00:00+01:00`) or `YYYY-MM-DD HH:MM` in the
    /// local time of `local_offset`.
    pub at: Option<String>,
    /// A higher cap than `sms.max_recipients` for this send (bulk), up to the ceiling.
    pub max_recipients: Option<usize>,
    /// The country for national numbers instead of `sms.default_country`.
    pub country: Option<String>,
    pub idempotency_key: Option<String>,
}

/// Why a draft cannot be sent; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DraftError {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, code: &'static str, message: impl Into<String>) -> DraftError {
    DraftError {
        field,
        code,
        message: message.into(),
    }
}

/// The checked message and how the recipients were read.
pub struct Checked {
    pub compose: Compose,
    pub recipients: RecipientList,
}

/// Checks a draft against the configuration at `now`.
pub fn check(
    config: &Config,
    draft: Draft,
    now: OffsetDateTime,
    local_offset: time::UtcOffset,
) -> Result<Checked, DraftError> {
    let text = SmsText::parse(&draft.text).map_err(|e| refuse("text", e.code(), e.to_string()))?;

    let sender = draft.sender_id.as_deref().filter(|s| !s.trim().is_empty());
    let sender = sender.or(config.sms.sender_id.as_deref()).ok_or_else(|| {
        refuse(
            "sender_id",
            "sender_id_missing",
            "no sender ID: give one (up to 11 letters, digits or spaces, e.g. your company \
             name), or set sms.sender_id in the configuration",
        )
    })?;
    let sender =
        SenderId::parse(sender).map_err(|e| refuse("sender_id", e.code(), e.to_string()))?;

    let delivery_at = match draft.at.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(at) => Some(schedule(at, now, local_offset)?),
    };

    let country = country(config, draft.country.as_deref())?;
    let recipients = parse_recipients(draft.to.iter().map(String::as_str), country);
    let cap = draft
        .max_recipients
        .unwrap_or(config.sms.max_recipients)
        .min(RECIPIENT_CEILING);
    check_recipients(&recipients, cap)?;

    let compose = Compose {
        text,
        sender_id: sender.as_str().to_string(),
        recipients: recipients.recipients.iter().map(recipient).collect(),
        delivery_at,
        idempotency_key: draft.idempotency_key,
    };
    Ok(Checked {
        compose,
        recipients,
    })
}

/// The country national numbers are read in: the caller's choice, else the configured one.
pub fn country(config: &Config, chosen: Option<&str>) -> Result<DefaultCountry, DraftError> {
    match chosen.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => DefaultCountry::parse(&code.to_ascii_uppercase())
            .map_err(|e| refuse("country", "unknown_country", e.to_string())),
        None => DefaultCountry::parse(&config.sms.default_country)
            .map_err(|e| refuse("sms.default_country", "unknown_country", e.to_string())),
    }
}

fn check_recipients(list: &RecipientList, cap: usize) -> Result<(), DraftError> {
    if list.recipients.is_empty() {
        return Err(refuse(
            "to",
            "no_recipients",
            "no recipients: give at least one phone number",
        ));
    }
    TooManyRecipients::check(list.recipients.len(), cap)
        .map_err(|e| refuse("to", "too_many_recipients", e.to_string()))?;
    if list.numbers().next().is_none() {
        let first = list.recipients.iter().find_map(|r| r.error.as_ref());
        let reason = first
            .map(|p| format!(" (e.g. {})", p.message))
            .unwrap_or_default();
        return Err(refuse(
            "to",
            "no_valid_recipients",
            format!("none of the numbers can be used{reason}"),
        ));
    }
    Ok(())
}

fn recipient(entry: &crate::phone::Recipient) -> Recipient {
    Recipient {
        input: entry.input.clone(),
        phone: match (&entry.phone, &entry.error) {
            (Some(phone), _) => Ok(phone.as_str().to_string()),
            (None, Some(problem)) => Err(RecipientError {
                code: problem.code,
                message: problem.message.clone(),
            }),
            (None, None) => Err(RecipientError {
                code: "invalid_phone",
                message: "not a phone number".to_string(),
            }),
        },
    }
}

/// Reads a schedule time; it must lie in the future.
fn schedule(at: &str, now: OffsetDateTime, local: time::UtcOffset) -> Result<i64, DraftError> {
    let local_format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    let when = OffsetDateTime::parse(at, &Rfc3339)
        .or_else(|_| {
            time::PrimitiveDateTime::parse(at, &local_format).map(|t| t.assume_offset(local))
        })
        .map_err(|_| {
            refuse(
                "at",
                "schedule_unreadable",
                format!(
                    "cannot read the time {at:?}; write it as 2026-12-24 09:00 (local time) or \
                     2026-12-24T09:00:00+01:00"
                ),
            )
        })?;
    if when <= now {
        return Err(refuse(
            "at",
            "schedule_in_the_past",
            format!(
                "the time {} is in the past; choose a later one",
                shown(when, local)
            ),
        ));
    }
    Ok(when.unix_timestamp())
}

/// A time as the user reads it: in their offset, `2026-12-24 09:00 +01:00`.
pub fn shown(when: OffsetDateTime, local: time::UtcOffset) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] [offset_hour sign:mandatory]:[offset_minute]"
    );
    when.to_offset(local)
        .format(&format)
        .unwrap_or_else(|_| when.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{datetime, offset};

    #[test]
    fn schedule_times_are_read_in_both_forms_and_must_be_future() {
        let now = datetime!(2026-12-04 10:00 UTC);
        let local = offset!(+1);
        assert_eq!(
            schedule("2026-12-24 09:00", now, local).unwrap(),
            datetime!(2026-12-24 08:00 UTC).unix_timestamp()
        );
        assert_eq!(
            schedule("2026-12-24T09:00:00+02:00", now, local).unwrap(),
            datetime!(2026-12-24 07:00 UTC).unix_timestamp()
        );
        assert_eq!(
            schedule("2026-12-01 09:00", now, local).unwrap_err().code,
            "schedule_in_the_past"
        );
        assert_eq!(schedule("tomorrow", now, local).unwrap_err().field, "at");
    }
}
