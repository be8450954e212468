//! The LOX24 gateway client: one method per LOX24 operation the bridge uses (`GET /me`,
//! `POST /sms`, `POST /sms/dryrun`, `GET /sms/{uuid}`, `GET /sms?callback_data=…`,
//! `DELETE /sms/{uuid}`, `POST /sms/ops/batch_cancel`), and the [`Credential`] it
//! authenticates with. Every request passes the lockout guard first and reports its answer
//! to it afterwards. `POST /sms` is never repeated here (LOX24 has no idempotency key);
//! reads are repeated a bounded number of times after a 5xx, a timeout or a broken
//! connection.
//!
//! The wire types live in `types`, the error type and the status mapping in `error`. Key
//! storage is not here: callers build a [`Credential`] from the key store.

mod error;
mod types;

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

pub use error::{GatewayError, Operation};
pub use types::{Account, BatchCount, DlrCode, Sms, SmsRequest, StatusCode, Violation};

use crate::config::GatewaySection;
use crate::guard::{Admission, Guard, MAX_REJECTIONS, Outcome, Refusal};

/// The authentication header; its value is `<client_id>:<key>`.
pub const AUTH_HEADER: &str = "X-LOX24-AUTH-TOKEN";
/// The header with LOX24's id for a request, to quote to LOX24 support.
pub const REQUEST_ID_HEADER: &str = "X-LOX24-REQUEST-ID";
const USER_AGENT: &str = concat!("sms-bridge/", env!("CARGO_PKG_VERSION"));

/// Pauses before repeating a failed read; their number bounds the repeats.
const READ_RETRY_DELAYS: [Duration; 2] = [Duration::from_millis(250), Duration::from_secs(1)];
/// How often to ask the guard again while other processes' requests are in flight.
const BUSY_POLL: Duration = Duration::from_millis(50);

/// A LOX24 API key with what identifies it. Debug and Display show the key as `••••`
/// plus at most its last four characters.
#[derive(Clone)]
pub struct Credential {
    /// The bridge's own id of the key record (what the guard remembers).
    pub key_id: String,
    /// The user's name for the key, used in messages and logs.
    pub label: String,
    /// The LOX24 customer number.
    pub client_id: String,
    /// The key, sent exactly as given.
    pub key: Zeroizing<String>,
}

impl Credential {
    /// The key as `••••` and its last four characters (only `••••` for short keys, where
    /// four characters would give away too much).
    pub fn masked(&self) -> String {
        mask(&self.key)
    }

    fn header_value(&self) -> Result<HeaderValue, GatewayError> {
        let text = Zeroizing::new(format!("{}:{}", self.client_id, self.key.as_str()));
        let mut value = HeaderValue::from_str(&text).map_err(|_| GatewayError::MalformedKey {
            label: self.label.clone(),
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// `••••` plus the last four characters of a secret of at least twelve characters.
pub fn mask(secret: &str) -> String {
    let count = secret.chars().count();
    if count < 12 {
        return "••••".to_string();
    }
    let tail: String = secret.chars().skip(count - 4).collect();
    format!("••••{tail}")
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("key_id", &self.key_id)
            .field("label", &self.label)
            .field("client_id", &self.client_id)
            .field("key", &self.masked())
            .finish()
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' (client {}, key {})",
            self.label,
            self.client_id,
            self.masked()
        )
    }
}

/// A successful answer and LOX24's id for the request.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply<T> {
    pub value: T,
    pub request_id: Option<String>,
}

/// Why the client could not be built; a startup error, unlike [`GatewayError`].
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "failed to read gateway.ca_file {path}: {cause}; point it at a PEM file with the CA \
         of your TLS proxy, or remove the setting"
    )]
    CaFile { path: String, cause: String },
    #[error("failed to set up the HTTPS client for LOX24: {0}")]
    Client(String),
}

/// The LOX24 client. Cheap to clone; clones share connections and the in-process limit
/// on requests in flight.
#[derive(Clone, Debug)]
pub struct Gateway {
    http: reqwest::Client,
    base: Url,
    guard: Guard,
    /// Seconds one request may take; also how long an admission may stay open.
    hold_s: u64,
    /// Requests in flight in this process, at most as many as the guard would admit, so
    /// that in-process callers wait here instead of polling the guard's file.
    slots: std::sync::Arc<Semaphore>,
}

/// One request to make.
struct Call<'a> {
    operation: Operation,
    method: Method,
    segments: &'a [&'a str],
    query: Vec<(&'static str, String)>,
    body: Option<&'a SmsRequest>,
}

impl Gateway {
    /// A client for `section.url` with its timeouts and extra CA, guarded by `guard`.
    pub fn new(section: &GatewaySection, guard: Guard) -> Result<Gateway, SetupError> {
        let base =
            Url::parse(section.url.as_str()).map_err(|e| SetupError::Client(e.to_string()))?;
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(Duration::from_secs(section.timeout_s))
            .connect_timeout(Duration::from_secs(section.connect_timeout_s))
            // A redirect would carry the key header to wherever it points.
            .redirect(reqwest::redirect::Policy::none());
        if is_loopback(&base) {
            builder = builder.no_proxy();
        }
        if let Some(path) = &section.ca_file {
            let ca_error = |cause: String| SetupError::CaFile {
                path: path.display().to_string(),
                cause,
            };
            let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| ca_error(format!("not a PEM certificate: {e}")))?;
            if certs.is_empty() {
                return Err(ca_error("the file holds no certificate".into()));
            }
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| SetupError::Client(error_text(&e)))?;
        Ok(Gateway {
            http,
            base,
            guard,
            hold_s: section.timeout_s + section.connect_timeout_s,
            slots: std::sync::Arc::new(Semaphore::new(MAX_REJECTIONS)),
        })
    }

    /// The guard this client asks before every request.
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// `GET /me`: the account behind the key (balance, currency, services). Also the way
    /// to verify a key.
    pub async fn account(&self, credential: &Credential) -> Result<Reply<Account>, GatewayError> {
        let call = Call {
            operation: Operation::Account,
            method: Method::GET,
            segments: &["me"],
            query: Vec::new(),
            body: None,
        };
        self.request(credential, &call, json).await
    }

    /// `POST /sms`: sends one SMS. Never repeated on failure; when the error
    /// [`is_uncertain`](GatewayError::is_uncertain), look the message up with
    /// [`find_by_callback_data`](Gateway::find_by_callback_data) before sending again.
    pub async fn send(
        &self,
        credential: &Credential,
        sms: &SmsRequest,
    ) -> Result<Reply<Sms>, GatewayError> {
        self.post_sms(credential, sms, Operation::Send, &["sms"])
            .await
    }

    /// `POST /sms/dryrun`: price and parts of an SMS without sending or charging it.
    pub async fn dry_run(
        &self,
        credential: &Credential,
        sms: &SmsRequest,
    ) -> Result<Reply<Sms>, GatewayError> {
        self.post_sms(credential, sms, Operation::DryRun, &["sms", "dryrun"])
            .await
    }

    /// `GET /sms/{uuid}`: one SMS with its current status and delivery report.
    pub async fn sms(
        &self,
        credential: &Credential,
        uuid: &str,
    ) -> Result<Reply<Sms>, GatewayError> {
        let call = Call {
            operation: Operation::Read,
            method: Method::GET,
            segments: &["sms", uuid],
            query: Vec::new(),
            body: None,
        };
        self.request(credential, &call, json).await
    }

    /// `GET /sms?callback_data=…`: the SMS sent with this reference, to find out whether
    /// an uncertain send went through.
    pub async fn find_by_callback_data(
        &self,
        credential: &Credential,
        callback_data: &str,
    ) -> Result<Reply<Vec<Sms>>, GatewayError> {
        let call = Call {
            operation: Operation::List,
            method: Method::GET,
            segments: &["sms"],
            query: vec![("callback_data", callback_data.to_string())],
            body: None,
        };
        self.request(credential, &call, json).await
    }

    /// `DELETE /sms/{uuid}`: removes an SMS from the LOX24 postbox and billing list.
    pub async fn delete(
        &self,
        credential: &Credential,
        uuid: &str,
    ) -> Result<Reply<()>, GatewayError> {
        let call = Call {
            operation: Operation::Delete,
            method: Method::DELETE,
            segments: &["sms", uuid],
            query: Vec::new(),
            body: None,
        };
        self.request(credential, &call, |_| Ok(())).await
    }

    /// `POST /sms/ops/batch_cancel?uuid[]=…`: stops scheduled SMS that are not sent yet
    /// and answers how many were stopped. An empty list makes no request: LOX24 would
    /// read a filter without uuids as "every scheduled SMS".
    pub async fn cancel_scheduled(
        &self,
        credential: &Credential,
        uuids: &[String],
    ) -> Result<Reply<u64>, GatewayError> {
        if uuids.is_empty() {
            return Ok(Reply {
                value: 0,
                request_id: None,
            });
        }
        let call = Call {
            operation: Operation::Cancel,
            method: Method::POST,
            segments: &["sms", "ops", "batch_cancel"],
            query: uuids.iter().map(|uuid| ("uuid[]", uuid.clone())).collect(),
            body: None,
        };
        let reply = self.request(credential, &call, json::<BatchCount>).await?;
        Ok(Reply {
            value: reply.value.deleted_sms_count,
            request_id: reply.request_id,
        })
    }

    async fn post_sms(
        &self,
        credential: &Credential,
        sms: &SmsRequest,
        operation: Operation,
        segments: &[&str],
    ) -> Result<Reply<Sms>, GatewayError> {
        let call = Call {
            operation,
            method: Method::POST,
            segments,
            query: Vec::new(),
            body: Some(sms),
        };
        self.request(credential, &call, json).await
    }

    /// Makes the call, repeating reads after transient failures.
    async fn request<T>(
        &self,
        credential: &Credential,
        call: &Call<'_>,
        decode: fn(&[u8]) -> serde_json::Result<T>,
    ) -> Result<Reply<T>, GatewayError> {
        let repeats = if call.method == Method::GET {
            READ_RETRY_DELAYS.len()
        } else {
            0
        };
        let mut attempt = 0;
        loop {
            match self.request_once(credential, call, decode).await {
                Err(error) if attempt < repeats && error.is_transient() => {
                    tracing::info!(
                        "gateway: {} failed for key '{}' ({}), trying again",
                        call.operation_path(),
                        credential.label,
                        error.code()
                    );
                    tokio::time::sleep(READ_RETRY_DELAYS[attempt]).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn request_once<T>(
        &self,
        credential: &Credential,
        call: &Call<'_>,
        decode: fn(&[u8]) -> serde_json::Result<T>,
    ) -> Result<Reply<T>, GatewayError> {
        let auth = credential.header_value()?;
        // The semaphore is never closed, so acquiring only waits.
        let _slot = self.slots.acquire().await.expect("semaphore never closed");
        let admission = self.admit(credential).await?;

        let answer = self.exchange(auth, call).await;

        let outcome = match &answer {
            Ok((401, ..)) => Outcome::Rejected,
            Ok((429, ..)) => Outcome::Blocked,
            _ => Outcome::Answered,
        };
        self.settle(admission, outcome);
        let (status, request_id, body) = answer?;
        tracing::debug!(
            "gateway: {} for key '{}' answered {status} (request id {})",
            call.operation_path(),
            credential.label,
            request_id.as_deref().unwrap_or("none")
        );

        if !(200..300).contains(&status) {
            return Err(GatewayError::from_status(
                status,
                &body,
                call.operation,
                &credential.label,
                request_id,
            ));
        }
        match decode(&body) {
            Ok(value) => Ok(Reply { value, request_id }),
            Err(e) => Err(GatewayError::Unreadable {
                status,
                operation: call.operation,
                cause: e.to_string(),
                request_id,
            }),
        }
    }

    /// Asks the guard for a slot, waiting (up to one request's time) while requests of
    /// other processes are in flight.
    async fn admit(&self, credential: &Credential) -> Result<Admission, GatewayError> {
        let deadline = Instant::now() + Duration::from_secs(self.hold_s);
        loop {
            match self.guard.admit(&credential.key_id, self.hold_s) {
                Ok(admission) => return Ok(admission),
                Err(Refusal::Busy) if Instant::now() < deadline => {
                    tokio::time::sleep(BUSY_POLL).await
                }
                Err(refusal) => return Err(refusal_error(refusal, credential)),
            }
        }
    }

    fn settle(&self, admission: Admission, outcome: Outcome) {
        // If the memory cannot be written the next admission fails too, so no request
        // slips through unguarded; this answer is still worth returning.
        if let Err(cause) = self.guard.settle(admission, outcome) {
            tracing::error!("gateway: {cause}; the next LOX24 request will be refused");
        }
    }

    /// Sends the request and reads the whole answer: status, request id and body. A body
    /// that cannot be read after an error status counts as empty.
    async fn exchange(
        &self,
        auth: HeaderValue,
        call: &Call<'_>,
    ) -> Result<(u16, Option<String>, Vec<u8>), GatewayError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| GatewayError::Connection {
                operation: call.operation,
                reached: false,
                cause: "gateway.url cannot take a path".into(),
            })?
            .pop_if_empty()
            .extend(call.segments);
        let mut builder = self
            .http
            .request(call.method.clone(), url)
            .header(AUTH_HEADER, auth)
            .header(ACCEPT, "application/json");
        if !call.query.is_empty() {
            builder = builder.query(&call.query);
        }
        if let Some(body) = call.body {
            builder = builder.json(body);
        }

        let response = builder
            .send()
            .await
            .map_err(|e| transport_error(&e, call.operation))?;
        let status = response.status().as_u16();
        let request_id = response
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        match response.bytes().await {
            Ok(body) => Ok((status, request_id, body.to_vec())),
            Err(_) if !(200..300).contains(&status) => Ok((status, request_id, Vec::new())),
            Err(e) => Err(GatewayError::Unreadable {
                status,
                operation: call.operation,
                cause: format!("the answer broke off: {}", error_text(&e)),
                request_id,
            }),
        }
    }
}

impl Call<'_> {
    /// `POST /sms` and the like, for logs (never with the query, which may hold
    /// references the user typed).
    fn operation_path(&self) -> String {
        format!("{} /{}", self.method, self.segments.join("/"))
    }
}

fn json<T: DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    serde_json::from_slice(body)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn refusal_error(refusal: Refusal, credential: &Credential) -> GatewayError {
    match refusal {
        Refusal::KeyRejected => GatewayError::KeyRejectedEarlier {
            label: credential.label.clone(),
        },
        Refusal::TooManyRejections { wait_s } => GatewayError::TooManyRejections { wait_s },
        Refusal::IpBlocked { until, wait_s } => GatewayError::IpBlockedUntil { until, wait_s },
        Refusal::Busy => GatewayError::Busy,
        Refusal::Unavailable(cause) => GatewayError::GuardUnavailable { cause },
    }
}

/// The failure for a request that got no answer. A failed connect means LOX24 never saw
/// the request; any later failure means it may have.
fn transport_error(error: &reqwest::Error, operation: Operation) -> GatewayError {
    if error.is_timeout() {
        GatewayError::Timeout {
            operation,
            reached: !error.is_connect(),
        }
    } else {
        GatewayError::Connection {
            operation,
            reached: !error.is_connect(),
            cause: error_text(error),
        }
    }
}

/// An error and its causes in one line, without the URL.
fn error_text(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = next {
        let text = cause.to_string();
        if !parts.iter().any(|p: &String| p.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(key: &str) -> Credential {
        Credential {
            key_id: "k1".into(),
            label: "office".into(),
            client_id: "1234567".into(),
            key: Zeroizing::new(key.into()),
        }
    }

    #[test]
    fn a_credential_never_shows_its_key() {
        let key = "e3f3a759b6677959b6ebfc0123456789";
        let credential = credential(key);
        let debug = format!("{credential:?}");
        let display = credential.to_string();
        for text in [&debug, &display] {
            assert!(!text.contains(key), "{text}");
            assert!(!text.contains("e3f3a759"), "{text}");
            assert!(text.contains("••••6789"), "{text}");
        }
    }

    #[test]
    fn a_short_key_is_masked_completely() {
        assert_eq!(credential("abcdefgh").masked(), "••••");
    }

    #[test]
    fn the_header_holds_the_key_exactly_as_given() {
        let value = credential(" spaced key").header_value().unwrap();
        assert_eq!(value.to_str().unwrap(), "1234567: spaced key");
        assert!(value.is_sensitive());
        let error = credential("bad\nkey").header_value().unwrap_err();
        assert_eq!(error.code(), "malformed_key");
    }
}
