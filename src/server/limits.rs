//! What a client may cost the bridge: how long it may take to send a request, how large
//! the parts of a request may be, and how often each kind of `/api` request may come.
//! Who may call at all is decided in [`access`](super::access) before any of this runs,
//! so a page without the token cannot use up the pane's allowance.
//!
//! The limits, and why:
//! - Connections: the TLS handshake and the request head each have a few seconds, the
//!   body of an `/api` request a few more; a connection carries one request (no
//!   keep-alive), because actix times out only the first request head on a connection and
//!   a client could trickle the second one forever. On loopback a new handshake costs
//!   about a millisecond, which the pane does not notice.
//! - Bodies: at most [`JSON_LIMIT`]. JSON nesting needs no limit of ours: every route's
//!   body is a flat object whose fields refuse a nested value at once, and serde_json
//!   stops at a fixed depth for the one field (`to`) that is buffered before it is typed.
//! - Texts: [`TEXT_BYTES_MAX`] bytes before any counting; ten parts never need as many,
//!   so the exact "too long" answer with its counts still comes from the SMS text module.
//! - Recipients: entries as typed are counted before any number is parsed, against
//!   [`RECIPIENT_CEILING`]; the configured `sms.max_recipients` applies afterwards.
//! - Rates: one token bucket per kind of route (see [`RouteClass`]), generous for the
//!   pane's live preview, strict for what reaches LOX24 with a key or spends money.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use futures_util::StreamExt;

use super::State;
use super::error::{ApiError, Kind};
use crate::compose::RECIPIENT_CEILING;

/// The most a JSON body may carry; a message to the recipient ceiling fits.
pub const JSON_LIMIT: usize = 64 * 1024;

/// The longest text, in UTF-8 bytes, that is counted at all.
pub const TEXT_BYTES_MAX: usize = 8 * 1024;

/// Time for the TLS handshake.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(3);

/// Time from the end of the handshake to the end of the request head.
pub const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(3);

/// Time for the body of an `/api` request, from when its handler starts reading.
pub const REQUEST_BODY_TIMEOUT: Duration = Duration::from_secs(5);

/// Time a closing connection gets to take its last bytes.
pub const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Worker threads; a single user's pane needs few.
pub const WORKERS: usize = 2;

/// Open connections per worker. A browser opens about six to one host.
pub const CONNECTIONS_PER_WORKER: usize = 100;

/// TLS handshakes in progress per worker.
pub const HANDSHAKES_PER_WORKER: usize = 32;

/// Kinds of `/api` request, each with its own allowance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteClass {
    /// The live preview and recipient check, sent while the user types.
    Typing,
    /// Status, keys and history lists.
    Reading,
    /// Adding or verifying a key: each asks LOX24 with a key that may be wrong.
    KeyCheck,
    /// A send: costs money.
    Sending,
    /// A price quote: one LOX24 dry run per recipient.
    Quoting,
    /// Choosing or removing a key, refreshing or cancelling a message.
    Changing,
}

/// A bucket's size and how fast it refills.
struct Rate {
    burst: f64,
    per_second: f64,
}

impl RouteClass {
    const ALL: [RouteClass; 6] = [
        RouteClass::Typing,
        RouteClass::Reading,
        RouteClass::KeyCheck,
        RouteClass::Sending,
        RouteClass::Quoting,
        RouteClass::Changing,
    ];

    /// The route table's `/api` routes by kind; a flat table, read with `routes.rs`.
    pub fn of(method: &Method, path: &str) -> RouteClass {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method.as_str(), parts.as_slice()) {
            ("POST", ["api", "sms", "preview"]) => RouteClass::Typing,
            ("POST", ["api", "recipients"]) => RouteClass::Typing,
            ("POST", ["api", "keys"]) => RouteClass::KeyCheck,
            ("POST", ["api", "keys", _, "verify"]) => RouteClass::KeyCheck,
            ("POST", ["api", "sms"]) => RouteClass::Sending,
            ("POST", ["api", "sms", "quote"]) => RouteClass::Quoting,
            ("GET" | "HEAD", _) => RouteClass::Reading,
            _ => RouteClass::Changing,
        }
    }

    fn rate(self) -> Rate {
        let (burst, per_second) = match self {
            RouteClass::Typing => (60.0, 20.0),
            RouteClass::Reading => (30.0, 5.0),
            RouteClass::KeyCheck => (3.0, 1.0 / 20.0),
            RouteClass::Sending => (10.0, 1.0 / 3.0),
            RouteClass::Quoting => (10.0, 0.5),
            RouteClass::Changing => (10.0, 1.0),
        };
        Rate { burst, per_second }
    }

    fn index(self) -> usize {
        RouteClass::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or_default()
    }

    fn what(self) -> &'static str {
        match self {
            RouteClass::Typing => "preview",
            RouteClass::Reading => "read",
            RouteClass::KeyCheck => "key check",
            RouteClass::Sending => "send",
            RouteClass::Quoting => "price quote",
            RouteClass::Changing => "change",
        }
    }
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// The token buckets of one running bridge, one per [`RouteClass`]. Every caller shares
/// them: the callers that get this far all hold the page token, so they are the user.
pub struct RateLimits {
    buckets: Mutex<[Bucket; RouteClass::ALL.len()]>,
}

impl RateLimits {
    pub fn new(now: Instant) -> RateLimits {
        let full = RouteClass::ALL.map(|class| Bucket {
            tokens: class.rate().burst,
            updated: now,
        });
        RateLimits {
            buckets: Mutex::new(full),
        }
    }

    /// Takes one token for `class` at `now`, or says how long until one is there.
    pub fn take(&self, class: RouteClass, now: Instant) -> Result<(), Duration> {
        let rate = class.rate();
        let mut buckets = match self.buckets.lock() {
            Ok(buckets) => buckets,
            Err(poisoned) => poisoned.into_inner(),
        };
        let bucket = &mut buckets[class.index()];
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate.per_second).min(rate.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let wait = (1.0 - bucket.tokens) / rate.per_second;
        Err(Duration::from_secs_f64(wait))
    }
}

/// Answers 429 with `Retry-After` when the request's kind has used its allowance.
pub async fn rate_limit(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let class = RouteClass::of(request.method(), request.path());
    let taken = request
        .app_data::<web::Data<State>>()
        .map_or(Ok(()), |state| state.limits.take(class, Instant::now()));
    let Err(wait) = taken else {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body);
    };

    let seconds = wait.as_secs().max(1);
    tracing::debug!(
        "refused {} {}: rate limited",
        request.method(),
        request.path()
    );
    let error = ApiError::new(
        Kind::TooManyRequests,
        "rate_limited",
        format!(
            "too many {} requests in a short time; wait {seconds} s and try again",
            class.what()
        ),
    );
    let mut response = error.error_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    Ok(request.into_response(response).map_into_right_body())
}

/// Gives the request body [`REQUEST_BODY_TIMEOUT`]: after that, reading it fails with a
/// timed-out error, which the JSON reader answers with 408.
pub async fn body_deadline(
    mut request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let deadline = tokio::time::Instant::now() + REQUEST_BODY_TIMEOUT;
    let body = request.take_payload();
    let timed = futures_util::stream::unfold(Some(body), move |body| async move {
        let mut body = body?;
        match tokio::time::timeout_at(deadline, body.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(body))),
            Ok(None) => None,
            Err(_) => Some((Err(body_timed_out()), None)),
        }
    });
    request.set_payload(Payload::Stream {
        payload: Box::pin(timed),
    });
    next.call(request).await
}

fn body_timed_out() -> PayloadError {
    PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the request body did not arrive in time",
    ))
}

/// Whether a body read failed because [`body_deadline`] ran out.
pub fn is_body_timeout(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

/// Refuses a text too large to be worth counting.
pub fn check_text(text: &str) -> Result<(), ApiError> {
    if text.len() <= TEXT_BYTES_MAX {
        return Ok(());
    }
    Err(ApiError::new(
        Kind::BadRequest,
        "text_too_long",
        format!(
            "the text is far longer than ten SMS parts ({} bytes); shorten it",
            text.len()
        ),
    )
    .on_field("text"))
}

/// Refuses more recipient entries than [`RECIPIENT_CEILING`], before any is parsed.
pub fn check_recipient_entries(to: &[String]) -> Result<(), ApiError> {
    let count = crate::phone::entries(to.iter().map(String::as_str)).count();
    if count <= RECIPIENT_CEILING {
        return Ok(());
    }
    Err(ApiError::new(
        Kind::BadRequest,
        "too_many_recipients",
        format!("{count} recipients given; at most {RECIPIENT_CEILING} per request"),
    )
    .on_field("to"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_classed_by_method_and_path() {
        let class = |method: Method, path: &str| RouteClass::of(&method, path);
        assert_eq!(class(Method::POST, "/api/sms/preview"), RouteClass::Typing);
        assert_eq!(class(Method::POST, "/api/sms"), RouteClass::Sending);
        assert_eq!(class(Method::POST, "/api/keys"), RouteClass::KeyCheck);
        assert_eq!(
            class(Method::POST, "/api/keys/3/verify"),
            RouteClass::KeyCheck
        );
        assert_eq!(class(Method::POST, "/api/keys/3/use"), RouteClass::Changing);
        assert_eq!(class(Method::GET, "/api/keys"), RouteClass::Reading);
        assert_eq!(class(Method::DELETE, "/api/keys/3"), RouteClass::Changing);
    }

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_its_rate() {
        let start = Instant::now();
        let limits = RateLimits::new(start);
        for _ in 0..10 {
            limits.take(RouteClass::Sending, start).unwrap();
        }
        let wait = limits.take(RouteClass::Sending, start).unwrap_err();
        assert!(wait > Duration::from_secs(2) && wait <= Duration::from_secs(3));
        assert!(
            limits.take(RouteClass::Typing, start).is_ok(),
            "buckets are apart"
        );

        let later = start + Duration::from_secs(3);
        assert!(limits.take(RouteClass::Sending, later).is_ok());
        assert!(limits.take(RouteClass::Sending, later).is_err());
    }

    #[test]
    fn texts_and_recipient_lists_are_measured_before_parsing() {
        assert!(check_text(&"a".repeat(TEXT_BYTES_MAX)).is_ok());
        assert_eq!(
            check_text(&"a".repeat(TEXT_BYTES_MAX + 1))
                .unwrap_err()
                .code,
            "text_too_long"
        );
        let pasted = vec!["+491701234567,".repeat(RECIPIENT_CEILING)];
        assert!(check_recipient_entries(&pasted).is_ok());
        let pasted = vec![format!("{}1", pasted[0])];
        assert_eq!(
            check_recipient_entries(&pasted)
                .unwrap_err()
                .field
                .as_deref(),
            Some("to")
        );
    }
}
