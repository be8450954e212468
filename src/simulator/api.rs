//! The HTTP side of the LOX24 routes: one catch-all handler that turns an actix request
//! into an [`Incoming`], records it, lets [`Sim`] answer it, and then applies any
//! misbehaviour a test asked for (delay, bare status, dropped connection, malformed JSON).
//! Also the loopback Host check for every route. What LOX24 answers is decided in `state`.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HOST};
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use super::SimApp;
use super::state::{Action, Answer, Incoming, Misbehaviour};

const REQUEST_ID_HEADER: &str = "X-LOX24-REQUEST-ID";

/// Every request outside `/_sim/`.
pub async fn lox24(request: HttpRequest, body: Bytes, app: Data<SimApp>) -> HttpResponse {
    let incoming = incoming(&request, body);
    let (request_id, rule) = app.sim.record(&incoming);
    let Some(rule) = rule else {
        return respond(app.sim.handle(&incoming), &request_id, incoming.ld);
    };

    let early = rule.process.then(|| app.sim.handle(&incoming));
    if rule.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(rule.delay_ms)).await;
    }
    misbehave(&rule, early, &incoming, &app, &request_id)
}

fn misbehave(
    rule: &Misbehaviour,
    early: Option<Answer>,
    incoming: &Incoming,
    app: &SimApp,
    request_id: &str,
) -> HttpResponse {
    match rule.action {
        Action::Delay => {
            let answer = early.unwrap_or_else(|| app.sim.handle(incoming));
            respond(answer, request_id, incoming.ld)
        }
        Action::Status => {
            let status = rule.status.unwrap_or(500);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            HttpResponse::build(status)
                .insert_header((REQUEST_ID_HEADER, request_id))
                .finish()
        }
        Action::Drop => dropped_connection(),
        Action::Malformed => {
            let status = early.map_or(200, |answer| answer.status);
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            HttpResponse::build(status)
                .insert_header((REQUEST_ID_HEADER, request_id))
                .insert_header((CONTENT_TYPE, content_type(incoming.ld)))
                .body(r#"{"uuid": "1f0e"#)
        }
    }
}

/// A response whose body fails before its first byte: actix then closes the connection
/// without writing anything, so the client sees the connection drop mid-request.
fn dropped_connection() -> HttpResponse {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped on purpose"))
    });
    HttpResponse::Ok().streaming(failing)
}

fn respond(answer: Answer, request_id: &str, ld: bool) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.insert_header((REQUEST_ID_HEADER, request_id));
    match answer.body {
        Some(body) => response
            .insert_header((CONTENT_TYPE, content_type(ld)))
            .body(body.to_string()),
        None => response.finish(),
    }
}

fn content_type(ld: bool) -> &'static str {
    if ld {
        "application/ld+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    }
}

fn incoming(request: &HttpRequest, body: Bytes) -> Incoming {
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_ascii_lowercase(), value)
        })
        .collect();
    let ld = headers
        .iter()
        .any(|(name, value)| name == "accept" && value.contains("application/ld+json"));
    Incoming {
        method: request.method().as_str().to_string(),
        path: request.path().to_string(),
        query: request.query_string().to_string(),
        headers,
        body: body.to_vec(),
        ip: request
            .peer_addr()
            .map(|addr| addr.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        ld,
    }
}

/// Whether the Host header names this simulator on a loopback name, so that a web page
/// that rebinds its own domain to 127.0.0.1 cannot read the recorded requests.
pub fn host_allowed(request: &actix_web::dev::ServiceRequest, port: u16) -> bool {
    let Some(host) = request.headers().get(HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host == format!("{name}:{port}"))
}

pub fn misdirected() -> HttpResponse {
    HttpResponse::build(StatusCode::MISDIRECTED_REQUEST)
        .insert_header((CONTENT_TYPE, "application/json"))
        .body(concat!(
            r#"{"detail":"this LOX24 simulator answers only requests addressed to "#,
            r#"127.0.0.1 or localhost with its port"}"#
        ))
}
