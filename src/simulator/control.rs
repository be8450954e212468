//! The test controls under `/_sim/`: read and clear the request log, queue misbehaviour,
//! advance the clock, add and change accounts, inspect and force message states, lift IP
//! blocks. Each is a thin wrapper around a [`Sim`](super::state::Sim) method; the same
//! methods are on the in-process handle. `docs/simulator.md` describes them for people.

use actix_web::web::{self, Data, Json, Path, ServiceConfig};
use actix_web::{HttpResponse, Responder};
use serde::Deserialize;
use serde_json::json;

use super::SimApp;
use super::state::{AccountUpdate, DeliveryUpdate, Misbehaviour, SimAccount};

pub fn routes(config: &mut ServiceConfig) {
    config.service(
        web::scope("/_sim")
            .route("/requests", web::get().to(requests))
            .route("/requests", web::delete().to(clear_requests))
            .route("/misbehave", web::post().to(misbehave))
            .route("/misbehave", web::delete().to(clear_misbehaviour))
            .route("/clock", web::get().to(clock))
            .route("/advance", web::post().to(advance))
            .route("/accounts", web::get().to(accounts))
            .route("/accounts", web::post().to(add_account))
            .route("/accounts/{client_id}", web::post().to(update_account))
            .route("/sms", web::get().to(messages))
            .route("/sms/{uuid}", web::post().to(set_delivery))
            .route("/blocks", web::delete().to(clear_blocks)),
    );
}

async fn requests(app: Data<SimApp>) -> impl Responder {
    HttpResponse::Ok().json(app.sim.requests())
}

async fn clear_requests(app: Data<SimApp>) -> impl Responder {
    app.sim.clear_requests();
    HttpResponse::NoContent().finish()
}

async fn misbehave(app: Data<SimApp>, rule: Json<Misbehaviour>) -> impl Responder {
    app.sim.misbehave(rule.into_inner());
    HttpResponse::NoContent().finish()
}

async fn clear_misbehaviour(app: Data<SimApp>) -> impl Responder {
    app.sim.clear_misbehaviour();
    HttpResponse::NoContent().finish()
}

async fn clock(app: Data<SimApp>) -> impl Responder {
    HttpResponse::Ok().json(json!({ "now": app.sim.now() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

async fn advance(app: Data<SimApp>, by: Json<Advance>) -> impl Responder {
    HttpResponse::Ok().json(json!({ "now": app.sim.advance(by.seconds) }))
}

async fn accounts(app: Data<SimApp>) -> impl Responder {
    HttpResponse::Ok().json(app.sim.accounts())
}

async fn add_account(app: Data<SimApp>, account: Json<SimAccount>) -> impl Responder {
    let key_id = app.sim.add_account(&account);
    HttpResponse::Created().json(json!({ "key_id": key_id }))
}

async fn update_account(
    app: Data<SimApp>,
    client_id: Path<String>,
    update: Json<AccountUpdate>,
) -> impl Responder {
    match app.sim.update_account(&client_id, &update) {
        Some(view) => HttpResponse::Ok().json(view),
        None => not_found("no such account"),
    }
}

async fn messages(app: Data<SimApp>) -> impl Responder {
    HttpResponse::Ok().json(app.sim.messages())
}

async fn set_delivery(
    app: Data<SimApp>,
    uuid: Path<String>,
    update: Json<DeliveryUpdate>,
) -> impl Responder {
    match app.sim.set_delivery(&uuid, *update) {
        Some(sms) => HttpResponse::Ok().json(sms),
        None => not_found("no such SMS"),
    }
}

async fn clear_blocks(app: Data<SimApp>) -> impl Responder {
    app.sim.clear_blocks();
    HttpResponse::NoContent().finish()
}

fn not_found(detail: &str) -> HttpResponse {
    HttpResponse::NotFound().json(json!({ "detail": detail }))
}
