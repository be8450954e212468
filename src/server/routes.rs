//! The route table: one function used by `serve` and by in-process tests, so both see the
//! same routes behind the same guards.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{Error, HttpResponse, web};
use serde::Serialize;

use super::State;
use super::access::{api_guard, host_guard, user_guard};
use super::error::{ApiError, Kind};
use super::limits::{self, JSON_LIMIT, body_deadline, rate_limit};
use super::{assets, keys, messages};
use crate::manifest::{Format, ManifestSettings};

/// Every route. The user guard, then the Host guard, wrap all of them; the token guard
/// wraps `/api` except `/api/health`, which the installer and monitoring call without a
/// page. Inside the token guard, the request rate and the body's time are limited.
pub fn configure(config: &mut web::ServiceConfig) {
    config.app_data(json_config()).service(
        web::scope("")
            .wrap(from_fn(host_guard))
            .wrap(from_fn(user_guard))
            .wrap(from_fn(request_log))
            .route("/api/health", web::get().to(health))
            .service(
                web::scope("/api")
                    .wrap(from_fn(body_deadline))
                    .wrap(from_fn(rate_limit))
                    .wrap(from_fn(api_guard))
                    .route("/status", web::get().to(keys::status))
                    .route("/keys", web::get().to(keys::list))
                    .route("/keys", web::post().to(keys::add))
                    .route("/keys/{id}/use", web::post().to(keys::activate))
                    .route("/keys/{id}/verify", web::post().to(keys::verify))
                    .route("/keys/{id}", web::delete().to(keys::remove))
                    .route("/sms/preview", web::post().to(messages::preview))
                    .route("/sms/quote", web::post().to(messages::quote))
                    .route("/sms", web::post().to(messages::send))
                    .route("/recipients", web::post().to(messages::recipients))
                    .route("/history", web::get().to(messages::history))
                    .route("/history/{id}/refresh", web::post().to(messages::refresh))
                    .route("/history/{id}/cancel", web::post().to(messages::cancel))
                    .default_service(web::to(api_not_found)),
            )
            .route("/manifest.xml", web::get().to(manifest_xml))
            .route("/manifest.json", web::get().to(manifest_json))
            .route("/{path:.*}", web::get().to(assets::file)),
    );
}

/// JSON bodies: a size limit, and errors in the API's own shape.
fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(|error, _request| {
            use actix_web::error::JsonPayloadError;
            let api = match &error {
                JsonPayloadError::OverflowKnownLength { .. }
                | JsonPayloadError::Overflow { .. } => ApiError::new(
                    Kind::TooLarge,
                    "body_too_large",
                    "the request body is too large",
                ),
                JsonPayloadError::ContentType => ApiError::new(
                    Kind::UnsupportedMediaType,
                    "json_required",
                    "send the request body as application/json",
                ),
                JsonPayloadError::Deserialize(cause) => {
                    ApiError::new(Kind::BadRequest, "invalid_json", json_problem(cause))
                }
                JsonPayloadError::Payload(cause) if limits::is_body_timeout(cause) => {
                    ApiError::new(
                        Kind::RequestTimeout,
                        "body_timeout",
                        "the request body did not arrive in time",
                    )
                }
                other => ApiError::new(
                    Kind::BadRequest,
                    "invalid_json",
                    format!("failed to read the request body: {other}"),
                ),
            };
            api.into()
        })
}

/// Says what is wrong with a body without repeating any of its values, which may be
/// secrets: field names are safe, a wrong value is named only by its position.
fn json_problem(cause: &serde_json::Error) -> String {
    let text = cause.to_string();
    if text.starts_with("unknown field") || text.starts_with("missing field") {
        return format!("the request body does not fit this route: {text}");
    }
    let position = format!("line {} column {}", cause.line(), cause.column());
    match cause.classify() {
        serde_json::error::Category::Data => {
            format!("a value in the request body has the wrong type ({position})")
        }
        _ => format!("the request body is not valid JSON ({position})"),
    }
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    sandbox: bool,
}

async fn health(state: web::Data<State>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
            sandbox: state.bridge.sandbox,
        })
}

async fn manifest_xml(state: web::Data<State>) -> HttpResponse {
    manifest(&state, Format::Xml)
}

async fn manifest_json(state: web::Data<State>) -> HttpResponse {
    manifest(&state, Format::Json)
}

/// The manifest for this bridge's port, as a download for Outlook's "Add from file".
fn manifest(state: &State, format: Format) -> HttpResponse {
    let settings = ManifestSettings::from_config(&state.bridge.config);
    let disposition = format!("attachment; filename=\"{}\"", format.file_name());
    HttpResponse::Ok()
        .insert_header(("Content-Type", format.content_type()))
        .insert_header(("Content-Disposition", disposition))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(crate::manifest::render(format, &settings))
}

async fn api_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        Kind::NotFound,
        "not_found",
        "no such API route",
    ))
}

/// One debug line per request: method, path (never the query), status and time.
async fn request_log(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.path().to_string();
    let response = next.call(request).await?;
    tracing::debug!(
        "{method} {path} -> {} in {} ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    Ok(response)
}
