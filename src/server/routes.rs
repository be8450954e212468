//! The route table: one function used by `serve` and by in-process tests, so both see the
//! same routes behind the same guards.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{Error, HttpResponse, web};
use serde::Serialize;

use super::State;
use super::access::{api_guard, host_guard};
use super::assets;
use super::error::{ApiError, Kind};

/// Every route. The Host guard wraps all of them; the token guard wraps `/api` except
/// `/api/health`, which the installer and monitoring call without a page.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("")
            .wrap(from_fn(host_guard))
            .wrap(from_fn(request_log))
            .route("/api/health", web::get().to(health))
            .service(
                web::scope("/api")
                    .wrap(from_fn(api_guard))
                    .default_service(web::to(api_not_found)),
            )
            .route("/{path:.*}", web::get().to(assets::file)),
    );
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
            sandbox: state.sandbox,
        })
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
