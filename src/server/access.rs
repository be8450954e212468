//! Who may talk to the server: only the user the bridge runs as, and only by the Host
//! allowlist (the DNS-rebinding guard), on every route; and the per-install token that
//! every `/api` route but `/api/health` requires.
//!
//! The token lives in `<data dir>/api-token`, readable only by the user. The bridge writes
//! it into the pages it serves; a page of another origin cannot read those pages, so it
//! cannot learn the token. Origin and content-type rules are here too, so every later
//! route sits behind the same checks.
//!
//! No `/api` answer carries a CORS header, and no preflight is ever granted: not CORS, not
//! Private or Local Network Access (`Access-Control-Request-Private-Network`,
//! `-Local-Network`). The pane and its API share one origin, so the pane never needs
//! one; an `OPTIONS` request gets the same refusal as any request without the token. The
//! pages need none either: Chromium asks the user, not the bridge, before a public page
//! such as Outlook on the web may frame a page from localhost.
//!
//! The token alone would not stop a program of another account on this computer: it could
//! load a page over loopback and read the token, as a browser does. So every route first
//! asks the OS which user opened the connection ([`peer`]) and refuses any other account,
//! root included unless the bridge runs as root. When the lookup fails the request is
//! refused too, since a request the bridge cannot place may be anyone's.
//!
//! On Windows and macOS the bridge cannot tell which user a loopback connection comes
//! from; on a computer several people use at once, such as a terminal server, any of them
//! can read the token from a page and send SMS with this user's key.

use std::path::Path;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use anyhow::Context;
use subtle::ConstantTimeEq;

use super::State;
use super::error::{ApiError, Kind};
use super::peer::{self, Origin};
use crate::fsutil::{Access, write_atomic};

/// The header the pane sends the token in.
pub const TOKEN_HEADER: &str = "X-SMS-Bridge-Token";

/// The per-install token: 32 random bytes as hex.
#[derive(Clone)]
pub struct ApiToken(String);

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiToken(••••)")
    }
}

impl ApiToken {
    /// Reads the token from the data dir, or creates it on first start (or when the file
    /// is damaged).
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<ApiToken> {
        let path = data_dir.join("api-token");
        if let Ok(text) = std::fs::read_to_string(&path) {
            let text = text.trim();
            if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Ok(ApiToken(text.to_string()));
            }
            tracing::warn!(
                "data dir {}: api-token is damaged; creating a new one",
                data_dir.display()
            );
        }
        let token = hex::encode(rand::random::<[u8; 32]>());
        write_atomic(&path, token.as_bytes(), Access::OwnerOnly)
            .with_context(|| format!("failed to write {}", path.display()))?;
        Ok(ApiToken(token))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn matches(&self, presented: &[u8]) -> bool {
        self.0.as_bytes().ct_eq(presented).into()
    }
}

/// The Host values the bridge answers to.
pub fn allowed_hosts(port: u16) -> [String; 3] {
    [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ]
}

fn host_is_allowed(host: &str, port: u16) -> bool {
    let host = host.trim().to_ascii_lowercase();
    let bare_ok = port == 443 && ["localhost", "127.0.0.1", "[::1]"].contains(&host.as_str());
    bare_ok || allowed_hosts(port).contains(&host)
}

/// Refuses any request whose Host is not the bridge's own loopback name and port.
pub async fn host_guard(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let port = request
        .app_data::<web::Data<State>>()
        .map(|s| s.port)
        .unwrap_or(0);
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if host.is_some_and(|h| host_is_allowed(h, port)) {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body);
    }

    tracing::debug!("refused request for host {:?}", host.unwrap_or("(none)"));
    let error = ApiError::new(
        Kind::Forbidden,
        "foreign_host",
        format!("this bridge answers only to https://localhost:{port}; open it by that address"),
    );
    Ok(request
        .into_response(error.error_response())
        .map_into_right_body())
}

/// Refuses connections from programs of other accounts on this computer, where the OS
/// tells (see [`peer`]).
///
/// A failed lookup is refused, not waved through: an attacker could otherwise aim for it,
/// e.g. by closing its end right after sending a request. It does not make normal use
/// flaky: the client holds its socket until the answer comes, so its line is there; in
/// thousands of lookups while another thread opened and closed connections as fast as it
/// could, none missed.
pub async fn user_guard(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    // The listener's address is the connection's own: the bridge binds the loopback
    // addresses themselves, never a wildcard.
    let local = request.request().app_config().local_addr();
    let origin = match request.peer_addr() {
        Some(peer) => peer::origin(peer, local),
        None => Origin::Unknown("the connection has no peer address".to_string()),
    };

    let error = match origin {
        Origin::OwnUser | Origin::Unsupported => {
            return next
                .call(request)
                .await
                .map(ServiceResponse::map_into_left_body);
        }
        Origin::OtherUser(who) => {
            tracing::warn!(
                "refused {} {} from {who}, another user of this computer",
                request.method(),
                request.path()
            );
            ApiError::new(
                Kind::Forbidden,
                "foreign_user",
                "this bridge belongs to another user of this computer; run your own bridge on \
                 another port (--port N, or `port = N` under [server] in config.toml) and \
                 install the manifest for it",
            )
        }
        Origin::Unknown(why) => {
            tracing::warn!(
                "refused {} {}: cannot tell which user of this computer it comes from: {why}",
                request.method(),
                request.path()
            );
            ApiError::new(
                Kind::Forbidden,
                "user_unknown",
                "the bridge could not tell which user of this computer this connection comes \
                 from; try again, and if it keeps happening, look at the bridge's log",
            )
        }
    };
    Ok(request
        .into_response(error.error_response())
        .map_into_right_body())
}

/// Requires the bridge's own Origin and a same-origin fetch (when the browser says so),
/// the per-install token, and for state-changing methods a JSON body.
pub async fn api_guard(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    match check_api_request(&request) {
        Ok(()) => next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body),
        Err(error) => {
            tracing::debug!(
                "refused {} {}: {}",
                request.method(),
                request.path(),
                error.code
            );
            Ok(request
                .into_response(error.error_response())
                .map_into_right_body())
        }
    }
}

fn check_api_request(request: &ServiceRequest) -> Result<(), ApiError> {
    let state = request
        .app_data::<web::Data<State>>()
        .ok_or_else(|| ApiError::new(Kind::Internal, "internal", "server state is missing"))?;

    check_origin(request, state.port)?;

    let presented = request
        .headers()
        .get(TOKEN_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or(b"");
    if !state.token.matches(presented) {
        return Err(ApiError::new(
            Kind::Unauthorized,
            "token_required",
            "this request lacks the bridge's page token; use the pane served by the bridge",
        ));
    }

    if !changes_state(request.method()) {
        return Ok(());
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let is_json = content_type
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            Kind::UnsupportedMediaType,
            "json_required",
            "send the request body as application/json",
        ));
    }
    Ok(())
}

/// Refuses what a browser marks as coming from another page: a foreign `Origin`, or a
/// `Sec-Fetch-Site` other than `same-origin` (`none` is the user typing the address).
/// Clients that are not browsers send neither header.
fn check_origin(request: &ServiceRequest, port: u16) -> Result<(), ApiError> {
    let refused = || {
        ApiError::new(
            Kind::Forbidden,
            "foreign_origin",
            "requests from other web pages are refused",
        )
    };
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let own = allowed_hosts(port).map(|host| format!("https://{host}"));
        let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
        if !own.contains(&origin) {
            return Err(refused());
        }
    }
    if let Some(site) = request.headers().get("Sec-Fetch-Site") {
        let site = site.to_str().unwrap_or("");
        if !["same-origin", "none"].contains(&site) {
            return Err(refused());
        }
    }
    Ok(())
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_with_the_port_are_allowed() {
        assert!(host_is_allowed("localhost:27443", 27443));
        assert!(host_is_allowed("127.0.0.1:27443", 27443));
        assert!(host_is_allowed("[::1]:27443", 27443));
        assert!(host_is_allowed("LOCALHOST:27443", 27443));
        assert!(!host_is_allowed("localhost", 27443));
        assert!(!host_is_allowed("localhost:80", 27443));
        assert!(!host_is_allowed("evil.example:27443", 27443));
        assert!(!host_is_allowed("localhost.evil.example:27443", 27443));
        assert!(!host_is_allowed("127.0.0.1.nip.io:27443", 27443));
    }

    #[test]
    fn token_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = ApiToken::load_or_create(dir.path()).unwrap();
        let second = ApiToken::load_or_create(dir.path()).unwrap();
        assert_eq!(first.as_str(), second.as_str());
        assert_eq!(first.as_str().len(), 64);
        assert!(!format!("{first:?}").contains(first.as_str()));
    }
}
