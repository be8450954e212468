//! [`GatewayError`]: everything that can go wrong with one LOX24 request, as one variant
//! per meaning, each with a message the user can act on and LOX24's request id when an
//! answer carried one. Also the lockout guard's local refusals, since to the caller they
//! are just another reason why a request was not made. The mapping from an HTTP answer to
//! a variant lives here too; sending requests does not.

use std::fmt;

use super::types::Violation;

/// Which LOX24 operation a request was, so that errors can say whether anything may have
/// changed at LOX24.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Account,
    Send,
    DryRun,
    Read,
    List,
    Delete,
    Cancel,
}

impl Operation {
    fn changes_state(self) -> bool {
        matches!(
            self,
            Operation::Send | Operation::Delete | Operation::Cancel
        )
    }

    fn words(self) -> &'static str {
        match self {
            Operation::Account => "read the account",
            Operation::Send => "send the SMS",
            Operation::DryRun => "price the SMS",
            Operation::Read => "read the SMS",
            Operation::List => "list SMS",
            Operation::Delete => "delete the SMS",
            Operation::Cancel => "cancel scheduled SMS",
        }
    }
}

/// Why a LOX24 request failed or was not made.
#[derive(Clone, Debug, PartialEq)]
pub enum GatewayError {
    /// 400 or 422: LOX24 refused the content of the request.
    Validation {
        violations: Vec<Violation>,
        detail: Option<String>,
        request_id: Option<String>,
    },
    /// 401: the client id or key is wrong, deleted or inactive.
    BadCredentials {
        label: String,
        request_id: Option<String>,
    },
    /// 402: not enough balance or credit for this message.
    NoFunds { request_id: Option<String> },
    /// 403: the account is not activated yet, or the key is switched off.
    Forbidden { request_id: Option<String> },
    /// 404: no such SMS (or a dry-run uuid, which is never stored).
    NotFound { request_id: Option<String> },
    /// 429: LOX24 blocked this computer's IP address after bad-credential requests.
    IpBlocked { request_id: Option<String> },
    /// 5xx: LOX24 failed on its side.
    Server {
        status: u16,
        operation: Operation,
        request_id: Option<String>,
    },
    /// Any other status LOX24 is not documented to send.
    UnexpectedStatus {
        status: u16,
        detail: Option<String>,
        request_id: Option<String>,
    },
    /// No complete answer within the configured time.
    Timeout {
        operation: Operation,
        /// Whether the request may have reached LOX24 (false: connecting timed out).
        reached: bool,
    },
    /// The connection failed or broke before an answer arrived.
    Connection {
        operation: Operation,
        reached: bool,
        cause: String,
    },
    /// An answer arrived with a success status but could not be read.
    Unreadable {
        status: u16,
        operation: Operation,
        cause: String,
        request_id: Option<String>,
    },
    /// The key contains characters that cannot go into an HTTP header.
    MalformedKey { label: String },
    /// The guard refuses: LOX24 rejected this key earlier.
    KeyRejectedEarlier { label: String },
    /// The guard refuses: two keys were rejected within the last minute.
    TooManyRejections { wait_s: i64 },
    /// The guard refuses: LOX24 blocked the IP address until this unix time.
    IpBlockedUntil { until: i64, wait_s: i64 },
    /// The guard's memory in the data dir cannot be read or written, so no request is
    /// made (without it the guard could not keep its promise).
    GuardUnavailable { cause: String },
    /// Other requests that may still be rejected (possibly from another sms-bridge
    /// process) did not finish within the request timeout.
    Busy,
}

impl GatewayError {
    /// A stable name for the kind of failure, for JSON answers and tests.
    pub fn code(&self) -> &'static str {
        match self {
            GatewayError::Validation { .. } => "validation",
            GatewayError::BadCredentials { .. } => "bad_credentials",
            GatewayError::NoFunds { .. } => "no_funds",
            GatewayError::Forbidden { .. } => "forbidden",
            GatewayError::NotFound { .. } => "not_found",
            GatewayError::IpBlocked { .. } => "ip_blocked",
            GatewayError::Server { .. } => "gateway_server_error",
            GatewayError::UnexpectedStatus { .. } => "gateway_unexpected_status",
            GatewayError::Timeout { .. } => "gateway_timeout",
            GatewayError::Connection { .. } => "gateway_unreachable",
            GatewayError::Unreadable { .. } => "gateway_unreadable",
            GatewayError::MalformedKey { .. } => "malformed_key",
            GatewayError::KeyRejectedEarlier { .. } => "key_rejected",
            GatewayError::TooManyRejections { .. } => "too_many_rejections",
            GatewayError::IpBlockedUntil { .. } => "ip_blocked",
            GatewayError::GuardUnavailable { .. } => "guard_unavailable",
            GatewayError::Busy => "gateway_busy",
        }
    }

    /// LOX24's `X-LOX24-REQUEST-ID` of the answer, if one arrived.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            GatewayError::Validation { request_id, .. }
            | GatewayError::BadCredentials { request_id, .. }
            | GatewayError::NoFunds { request_id }
            | GatewayError::Forbidden { request_id }
            | GatewayError::NotFound { request_id }
            | GatewayError::IpBlocked { request_id }
            | GatewayError::Server { request_id, .. }
            | GatewayError::UnexpectedStatus { request_id, .. }
            | GatewayError::Unreadable { request_id, .. } => request_id.as_deref(),
            GatewayError::Timeout { .. }
            | GatewayError::Connection { .. }
            | GatewayError::MalformedKey { .. }
            | GatewayError::KeyRejectedEarlier { .. }
            | GatewayError::TooManyRejections { .. }
            | GatewayError::IpBlockedUntil { .. }
            | GatewayError::GuardUnavailable { .. }
            | GatewayError::Busy => None,
        }
    }

    /// Whether the failure concerns the account, key or IP rather than one message, so a
    /// batch of sends must stop instead of trying the next recipient.
    pub fn is_account_level(&self) -> bool {
        match self {
            GatewayError::BadCredentials { .. }
            | GatewayError::NoFunds { .. }
            | GatewayError::Forbidden { .. }
            | GatewayError::IpBlocked { .. }
            | GatewayError::MalformedKey { .. }
            | GatewayError::KeyRejectedEarlier { .. }
            | GatewayError::TooManyRejections { .. }
            | GatewayError::IpBlockedUntil { .. }
            | GatewayError::GuardUnavailable { .. } => true,
            GatewayError::Validation { .. }
            | GatewayError::NotFound { .. }
            | GatewayError::Server { .. }
            | GatewayError::UnexpectedStatus { .. }
            | GatewayError::Timeout { .. }
            | GatewayError::Connection { .. }
            | GatewayError::Unreadable { .. }
            | GatewayError::Busy => false,
        }
    }

    /// Whether a state-changing request (send, delete, cancel) may have taken effect
    /// although no usable answer arrived. An uncertain send must be looked up by its
    /// `callback_data` before it is sent again, or the recipient may get it twice.
    pub fn is_uncertain(&self) -> bool {
        match self {
            GatewayError::Server { operation, .. } => operation.changes_state(),
            GatewayError::Unreadable { operation, .. } => operation.changes_state(),
            GatewayError::Timeout { operation, reached }
            | GatewayError::Connection {
                operation, reached, ..
            } => *reached && operation.changes_state(),
            GatewayError::Validation { .. }
            | GatewayError::BadCredentials { .. }
            | GatewayError::NoFunds { .. }
            | GatewayError::Forbidden { .. }
            | GatewayError::NotFound { .. }
            | GatewayError::IpBlocked { .. }
            | GatewayError::UnexpectedStatus { .. }
            | GatewayError::MalformedKey { .. }
            | GatewayError::KeyRejectedEarlier { .. }
            | GatewayError::TooManyRejections { .. }
            | GatewayError::IpBlockedUntil { .. }
            | GatewayError::GuardUnavailable { .. }
            | GatewayError::Busy => false,
        }
    }

    /// Whether repeating the same read request soon may succeed.
    pub(crate) fn is_transient(&self) -> bool {
        matches!(
            self,
            GatewayError::Server { .. }
                | GatewayError::Timeout { .. }
                | GatewayError::Connection { .. }
        )
    }

    /// The failure for an answer with a non-success status, decided by the status alone;
    /// the body (which LOX24 does not always send) only adds detail.
    pub(crate) fn from_status(
        status: u16,
        body: &[u8],
        operation: Operation,
        label: &str,
        request_id: Option<String>,
    ) -> GatewayError {
        match status {
            400 | 422 => GatewayError::Validation {
                violations: violations(body),
                detail: detail(body),
                request_id,
            },
            401 => GatewayError::BadCredentials {
                label: label.to_string(),
                request_id,
            },
            402 => GatewayError::NoFunds { request_id },
            403 => GatewayError::Forbidden { request_id },
            404 => GatewayError::NotFound { request_id },
            429 => GatewayError::IpBlocked { request_id },
            500..=599 => GatewayError::Server {
                status,
                operation,
                request_id,
            },
            _ => GatewayError::UnexpectedStatus {
                status,
                detail: detail(body),
                request_id,
            },
        }
    }

    fn describe(&self) -> String {
        match self {
            GatewayError::Validation {
                violations, detail, ..
            } => describe_validation(violations, detail.as_deref()),
            GatewayError::BadCredentials { label, .. } => format!(
                "LOX24 rejected the API key '{label}': the client id or key is wrong, deleted \
                 or switched off. The bridge will not use this key again until you enter it \
                 again or verify it; check it in the LOX24 account under Settings → API \
                 Settings"
            ),
            GatewayError::NoFunds { .. } => "the LOX24 account has not enough balance for \
                 this message; top it up in the LOX24 account and send again"
                .to_string(),
            GatewayError::Forbidden { .. } => "LOX24 refused the request: the account is not \
                 activated yet (activation takes up to 24 hours after registration) or the key \
                 is switched off; wait, switch the key on under Settings → API Settings, or \
                 contact LOX24 support"
                .to_string(),
            GatewayError::NotFound { .. } => "LOX24 does not know this SMS; it may have been \
                 deleted, or it was only a dry run, which LOX24 does not keep"
                .to_string(),
            GatewayError::IpBlocked { .. } => IP_BLOCK_WORDS.to_string(),
            GatewayError::Server {
                status, operation, ..
            } => describe_server(*status, *operation),
            GatewayError::UnexpectedStatus { status, detail, .. } => format!(
                "LOX24 answered with the unexpected status {status}{}; try again later, and \
                 contact LOX24 support with the request id if it persists",
                detail
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ),
            GatewayError::Timeout { operation, reached } => describe_timeout(*operation, *reached),
            GatewayError::Connection {
                operation,
                reached,
                cause,
            } => describe_connection(*operation, *reached, cause),
            GatewayError::Unreadable {
                status,
                operation,
                cause,
                ..
            } => describe_unreadable(*status, *operation, cause),
            GatewayError::MalformedKey { label } => format!(
                "the API key '{label}' contains characters that no LOX24 key has; enter the \
                 key again, exactly as the LOX24 account shows it"
            ),
            GatewayError::KeyRejectedEarlier { label } => format!(
                "LOX24 rejected the API key '{label}' before, so the bridge does not use it \
                 (every rejected request brings this computer's IP address closer to a LOX24 \
                 block); enter the key again or verify it after fixing it in the LOX24 account"
            ),
            GatewayError::TooManyRejections { wait_s } => format!(
                "LOX24 rejected two requests within the last minute (or a bridge stopped \
                 while its requests were under way, which counts the same); to keep LOX24 \
                 from blocking this computer's IP address, the bridge makes no request for \
                 {wait_s} s. Check the key, then try again in {wait_s} s"
            ),
            GatewayError::IpBlockedUntil { until, wait_s } => format!(
                "{IP_BLOCK_WORDS}; the block ends at {} (in about {} min)",
                format_unix(*until),
                (wait_s + 59) / 60
            ),
            GatewayError::GuardUnavailable { cause } => format!(
                "failed to read or update the lockout memory in the data dir ({cause}), so \
                 no request was made; check that the data dir is writable"
            ),
            GatewayError::Busy => "other requests to LOX24, possibly from another sms-bridge \
                 process, did not finish in time; try again in a minute"
                .to_string(),
        }
    }
}

const IP_BLOCK_WORDS: &str = "LOX24 blocks every request from this computer's IP address for \
     ten minutes after too many requests with wrong credentials (this affects everyone behind \
     the same IP); the bridge makes no request until the block ends. Fix the key, then wait";

impl fmt::Display for GatewayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())?;
        match self.request_id() {
            Some(id) => write!(f, " (LOX24 request id {id})"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for GatewayError {}

fn describe_validation(violations: &[Violation], detail: Option<&str>) -> String {
    let listed: Vec<String> = violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.message))
        .collect();
    let what = match (listed.is_empty(), detail) {
        (false, _) => listed.join("; "),
        (true, Some(detail)) => detail.to_string(),
        (true, None) => "no reason given".to_string(),
    };
    format!("LOX24 refused the message: {what}; correct it and send again")
}

fn describe_server(status: u16, operation: Operation) -> String {
    let base = format!("LOX24 failed on its side (status {status})");
    if operation == Operation::Send {
        format!(
            "{base}; the SMS may or may not have been sent. Check the history before sending \
             it again"
        )
    } else {
        format!(
            "{base} while trying to {}; try again in a few minutes",
            operation.words()
        )
    }
}

fn describe_timeout(operation: Operation, reached: bool) -> String {
    if reached && operation == Operation::Send {
        "LOX24 did not answer in time; the SMS may or may not have been sent. Check the \
         history before sending it again"
            .to_string()
    } else if reached {
        format!(
            "LOX24 did not answer in time when trying to {}; try again later",
            operation.words()
        )
    } else {
        "failed to connect to LOX24 in time; check the internet connection and any proxy, \
         then try again"
            .to_string()
    }
}

fn describe_connection(operation: Operation, reached: bool, cause: &str) -> String {
    if reached && operation == Operation::Send {
        format!(
            "the connection to LOX24 broke before an answer arrived ({cause}); the SMS may \
             or may not have been sent. Check the history before sending it again"
        )
    } else {
        format!(
            "failed to reach LOX24 to {} ({cause}); check the internet connection, the \
             proxy and gateway.url, then try again",
            operation.words()
        )
    }
}

fn describe_unreadable(status: u16, operation: Operation, cause: &str) -> String {
    let base =
        format!("LOX24 answered with status {status} but the answer was unreadable ({cause})");
    if operation == Operation::Send {
        format!("{base}; the SMS was probably sent. Check the history before sending it again")
    } else {
        format!("{base}; try again later")
    }
}

/// A unix time as `YYYY-MM-DD HH:MM:SS UTC`.
fn format_unix(unix: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| format!("unix time {unix}"))
}

/// The violations of a 400/422 body, in the JSON or the JSON-LD shape; none if the body
/// is missing or unreadable.
fn violations(body: &[u8]) -> Vec<Violation> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Vec::new();
    };
    let Some(list) = value.get("violations").and_then(|v| v.as_array()) else {
        return Vec::new();
    };
    list.iter()
        .map(|item| Violation {
            field: text_field(item, "propertyPath").unwrap_or_default(),
            message: text_field(item, "message").unwrap_or_default(),
        })
        .collect()
}

/// The human text of an error body: `detail`, `hydra:description`, `message`, else the
/// raw text if it is short and not JSON.
fn detail(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => ["detail", "hydra:description", "message"]
            .iter()
            .find_map(|name| text_field(&value, name)),
        Err(_) => {
            let text = String::from_utf8_lossy(body).trim().to_string();
            let short = !text.is_empty() && text.chars().count() <= 200;
            short.then_some(text)
        }
    }
}

fn text_field(value: &serde_json::Value, name: &str) -> Option<String> {
    value
        .get(name)
        .and_then(|v| v.as_str())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(status: u16, body: &str) -> GatewayError {
        let id = Some("0123456789abcdef0123456789abcdef".to_string());
        GatewayError::from_status(status, body.as_bytes(), Operation::Send, "office", id)
    }

    #[test]
    fn the_status_decides_without_a_body() {
        let codes: Vec<&str> = [400, 401, 402, 403, 404, 422, 429, 500, 503, 418]
            .iter()
            .map(|s| from(*s, "").code())
            .collect();
        assert_eq!(
            codes,
            [
                "validation",
                "bad_credentials",
                "no_funds",
                "forbidden",
                "not_found",
                "validation",
                "ip_blocked",
                "gateway_server_error",
                "gateway_server_error",
                "gateway_unexpected_status"
            ]
        );
    }

    #[test]
    fn validation_lists_each_violation_and_the_request_id() {
        let body = r#"{"type":"x","title":"An error occurred","detail":"phone: bad",
            "violations":[{"propertyPath":"phone","message":"This value is not valid.",
            "code":"c"}]}"#;
        let error = from(400, body);
        let text = error.to_string();
        assert!(text.contains("phone: This value is not valid."), "{text}");
        assert!(text.ends_with("(LOX24 request id 0123456789abcdef0123456789abcdef)"));
    }

    #[test]
    fn a_send_that_may_have_happened_is_uncertain() {
        assert!(from(502, "").is_uncertain());
        let timeout = GatewayError::Timeout {
            operation: Operation::Send,
            reached: true,
        };
        assert!(timeout.is_uncertain());
        let connect = GatewayError::Timeout {
            operation: Operation::Send,
            reached: false,
        };
        assert!(!connect.is_uncertain());
        assert!(!from(400, "").is_uncertain() && !from(401, "").is_uncertain());
        let read = GatewayError::Server {
            status: 500,
            operation: Operation::Read,
            request_id: None,
        };
        assert!(!read.is_uncertain());
    }

    #[test]
    fn account_level_errors_stop_a_batch() {
        for status in [401, 402, 403, 429] {
            assert!(from(status, "").is_account_level(), "{status}");
        }
        for status in [400, 404, 500] {
            assert!(!from(status, "").is_account_level(), "{status}");
        }
    }

    #[test]
    fn an_ip_block_says_when_it_ends() {
        let error = GatewayError::IpBlockedUntil {
            until: 1_700_000_000,
            wait_s: 540,
        };
        let text = error.to_string();
        assert!(text.contains("2023-11-14 22:13:20 UTC"), "{text}");
        assert!(text.contains("about 9 min"), "{text}");
    }

    #[test]
    fn a_plain_text_error_body_becomes_the_detail() {
        let error = from(418, "I'm a teapot");
        assert!(error.to_string().contains("(I'm a teapot)"));
    }
}
