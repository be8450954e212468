//! `/api/sms…`, `/api/recipients` and `/api/history…`: the pane's compose, send and
//! history. The handlers turn JSON into a [`Draft`](crate::compose::Draft), call the same
//! send and history code as the CLI, and answer its reports.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Deserializer};

use super::error::{ApiError, Kind};
use super::limits;
use super::{State, detached};
use crate::bridge::Bridge;
use crate::compose::{self, Draft, DraftError};
use crate::history::{self, HistoryError};
use crate::keys::KeyError;
use crate::send::Compose;
use crate::send::{self, SendError};
use crate::sms::SmsText;
use crate::sms::preview::Preview;

/// The longest Idempotency-Key accepted; the pane sends a UUID.
const IDEMPOTENCY_KEY_MAX: usize = 128;

/// `to` as one pasted string or a list of entries.
fn entries<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(text) => vec![text],
        OneOrMany::Many(list) => list,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewBody {
    text: String,
}

/// `POST /api/sms/preview`: encoding, parts and the GSM-safe rewrite of a text.
pub async fn preview(body: web::Json<PreviewBody>) -> Result<HttpResponse, ApiError> {
    limits::check_text(&body.text)?;
    let text = SmsText::parse(&body.text)
        .map_err(|e| ApiError::new(Kind::BadRequest, e.code(), e.to_string()).on_field("text"))?;
    Ok(no_store().json(Preview::of(&text)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecipientsBody {
    #[serde(deserialize_with = "entries")]
    to: Vec<String>,
    #[serde(default)]
    country: Option<String>,
}

/// `POST /api/recipients`: each pasted number normalised or refused with its reason.
pub async fn recipients(
    state: web::Data<State>,
    body: web::Json<RecipientsBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    limits::check_recipient_entries(&body.to)?;
    let country =
        compose::country(&state.bridge.config, body.country.as_deref()).map_err(draft_error)?;
    let list = crate::phone::parse_recipients(body.to.iter().map(String::as_str), country);
    Ok(no_store().json(list))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendBody {
    text: String,
    #[serde(deserialize_with = "entries")]
    to: Vec<String>,
    #[serde(default)]
    sender_id: Option<String>,
    #[serde(default)]
    at: Option<String>,
    #[serde(default)]
    max_recipients: Option<usize>,
    #[serde(default)]
    country: Option<String>,
}

impl SendBody {
    /// The draft, once text and recipients are small enough to be read at all.
    fn draft(self, idempotency_key: Option<String>) -> Result<Draft, ApiError> {
        limits::check_text(&self.text)?;
        limits::check_recipient_entries(&self.to)?;
        Ok(Draft {
            text: self.text,
            to: self.to,
            sender_id: self.sender_id,
            at: self.at,
            max_recipients: self.max_recipients,
            country: self.country,
            idempotency_key,
        })
    }
}

/// `POST /api/sms`: sends to every recipient; the `Idempotency-Key` header makes a
/// repeat answer the first result and send nothing.
pub async fn send(
    state: web::Data<State>,
    request: HttpRequest,
    body: web::Json<SendBody>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&request)?;
    let checked = check(&state, body.into_inner().draft(key)?)?;
    let bridge = state.bridge.clone();
    let report = detached(async move { send::send(&bridge, checked.compose).await })
        .await?
        .map_err(send_error)?;
    Ok(no_store().json(report))
}

/// `POST /api/sms/quote`: parts and price per recipient from LOX24's dry run; nothing is
/// sent or charged.
pub async fn quote(
    state: web::Data<State>,
    body: web::Json<SendBody>,
) -> Result<HttpResponse, ApiError> {
    let checked = check(&state, body.into_inner().draft(None)?)?;
    let bridge = state.bridge.clone();
    let quote = detached(async move { price(&bridge, checked.compose).await }).await??;
    Ok(no_store().json(quote))
}

async fn price(bridge: &Bridge, compose: Compose) -> Result<send::Quote, ApiError> {
    send::quote(bridge, &compose)
        .await
        .map_err(|error| match error {
            send::QuoteError::Key(error) => key_error(error),
            send::QuoteError::Gateway(error) => ApiError::from(error),
        })
}

/// `GET /api/history`.
pub async fn history(state: web::Data<State>) -> Result<HttpResponse, ApiError> {
    let messages = history::history(&state.bridge).await.map_err(send_error)?;
    Ok(no_store().json(serde_json::json!({ "messages": messages })))
}

/// `POST /api/history/{id}/refresh`.
pub async fn refresh(
    state: web::Data<State>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (bridge, id) = (state.bridge.clone(), id.into_inner());
    let report = detached(async move { history::refresh(&bridge, &id).await })
        .await?
        .map_err(history_error)?;
    Ok(no_store().json(report))
}

/// `POST /api/history/{id}/cancel`.
pub async fn cancel(
    state: web::Data<State>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (bridge, id) = (state.bridge.clone(), id.into_inner());
    let report = detached(async move { history::cancel(&bridge, &id).await })
        .await?
        .map_err(history_error)?;
    Ok(no_store().json(report))
}

fn check(state: &State, draft: Draft) -> Result<compose::Checked, ApiError> {
    let now = time::OffsetDateTime::now_utc();
    compose::check(&state.bridge.config, draft, now, time::UtcOffset::UTC).map_err(draft_error)
}

fn idempotency_key(request: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = request.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("").trim();
    let printable = key.bytes().all(|b| b.is_ascii_graphic());
    if key.is_empty() || key.len() > IDEMPOTENCY_KEY_MAX || !printable {
        return Err(ApiError::new(
            Kind::BadRequest,
            "invalid_idempotency_key",
            "the Idempotency-Key header must be 1 to 128 printable ASCII characters",
        )
        .on_field("Idempotency-Key"));
    }
    Ok(Some(key.to_string()))
}

fn draft_error(error: DraftError) -> ApiError {
    ApiError::new(Kind::BadRequest, error.code, error.message).on_field(error.field)
}

fn send_error(error: SendError) -> ApiError {
    match error {
        SendError::Key(error) => key_error(error),
        SendError::Journal(error) => {
            tracing::error!("api: {error}");
            ApiError::new(Kind::Internal, "journal_unavailable", error.to_string())
        }
        SendError::IdempotencyConflict => ApiError::new(
            Kind::Unprocessable,
            "idempotency_key_reused",
            error.to_string(),
        )
        .on_field("Idempotency-Key"),
    }
}

fn history_error(error: HistoryError) -> ApiError {
    match error {
        HistoryError::NoSuchMessage(_) => {
            ApiError::new(Kind::NotFound, "no_such_message", error.to_string())
        }
        HistoryError::Send(error) => send_error(error),
        HistoryError::Gateway(error) => ApiError::from(error),
    }
}

fn key_error(error: KeyError) -> ApiError {
    match error {
        KeyError::NoActiveKey => ApiError::new(Kind::Unprocessable, "no_key", error.to_string()),
        KeyError::Store(_) => ApiError::new(
            Kind::Unavailable,
            "credential_store_unavailable",
            error.to_string(),
        ),
        other => ApiError::new(Kind::Internal, "internal", other.to_string()),
    }
}

fn no_store() -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response.insert_header(("Cache-Control", "no-store"));
    response
}
