//! The error every route answers with: a status and `{"error": {"code", "message",
//! "field"}}`, the message written for the user. Startup errors are not here; they are
//! plain `anyhow` errors reported by `main`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::gateway::GatewayError;

/// A failed request, mapped to one HTTP status per kind.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub kind: Kind,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// LOX24's request id, when the error is LOX24's answer.
    pub request_id: Option<String>,
    /// A machine-readable suggestion for the pane, e.g. `account_password`.
    pub hint: Option<&'static str>,
    /// Seconds until the bridge or LOX24 takes requests again, when the caller must wait.
    pub retry_after: Option<i64>,
}

/// What went wrong, which decides the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The request itself is wrong (bad JSON, a bad field): 400.
    BadRequest,
    /// The per-install token is missing or wrong: 401.
    Unauthorized,
    /// Host or Origin is not the bridge's own: 403.
    Forbidden,
    /// No such route or record: 404.
    NotFound,
    /// The client sent the request too slowly: 408.
    RequestTimeout,
    /// The body is not JSON: 415.
    UnsupportedMediaType,
    /// The body is too large: 413.
    TooLarge,
    /// The body is well-formed but cannot be done: 422.
    Unprocessable,
    /// The caller must wait: 429.
    TooManyRequests,
    /// The bridge failed: 500.
    Internal,
    /// LOX24 answered with an error or not at all: 502.
    Upstream,
    /// Something the bridge depends on (the credential store) is unavailable: 503.
    Unavailable,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<i64>,
}

impl ApiError {
    pub fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            kind,
            code,
            message: message.into(),
            field: None,
            request_id: None,
            hint: None,
            retry_after: None,
        }
    }

    /// The same error, naming the request field it is about.
    pub fn on_field(mut self, field: impl Into<String>) -> ApiError {
        self.field = Some(field.into());
        self
    }
}

/// A LOX24 failure as the local API reports it. LOX24's own 401/403 become 422, since
/// the local 401 means the page token is missing; refusals to wait become 429.
impl From<GatewayError> for ApiError {
    fn from(error: GatewayError) -> ApiError {
        let kind = match &error {
            GatewayError::Validation { .. }
            | GatewayError::BadCredentials { .. }
            | GatewayError::NoFunds { .. }
            | GatewayError::Forbidden { .. }
            | GatewayError::MalformedKey { .. }
            | GatewayError::KeyRejectedEarlier { .. } => Kind::Unprocessable,
            GatewayError::NotFound { .. } => Kind::NotFound,
            GatewayError::IpBlocked { .. }
            | GatewayError::IpBlockedUntil { .. }
            | GatewayError::TooManyRejections { .. }
            | GatewayError::Busy => Kind::TooManyRequests,
            GatewayError::GuardUnavailable { .. } => Kind::Internal,
            GatewayError::Server { .. }
            | GatewayError::UnexpectedStatus { .. }
            | GatewayError::Timeout { .. }
            | GatewayError::Connection { .. }
            | GatewayError::Unreadable { .. } => Kind::Upstream,
        };
        let mut api = ApiError::new(kind, error.code(), error.to_string());
        api.request_id = error.request_id().map(str::to_string);
        api.retry_after = match &error {
            GatewayError::TooManyRejections { wait_s } => Some(*wait_s),
            GatewayError::IpBlockedUntil { wait_s, .. } => Some(*wait_s),
            _ => None,
        };
        api
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self.kind {
            Kind::BadRequest => StatusCode::BAD_REQUEST,
            Kind::Unauthorized => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Kind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Kind::Upstream => StatusCode::BAD_GATEWAY,
            Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let body = Body {
            error: Detail {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
                request_id: self.request_id.as_deref(),
                hint: self.hint,
                retry_after: self.retry_after,
            },
        };
        HttpResponse::build(self.status_code())
            .insert_header(("Cache-Control", "no-store"))
            .json(body)
    }
}
