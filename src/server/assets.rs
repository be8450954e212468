//! The task pane's files: served from the copy built into the binary, or from `--web-dir`
//! on disk for front-end work, with the headers each kind of file needs. HTML pages get
//! the per-install token written into them; nothing else is rewritten.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use rust_embed::Embed;

use super::State;
use super::error::{ApiError, Kind};

#[derive(Embed)]
#[folder = "web/"]
struct Web;

/// The placeholder HTML pages carry where the token goes.
const TOKEN_PLACEHOLDER: &str = "{{api_token}}";

/// Hosts that may frame the pane: Outlook on the web and the new Outlook.
const FRAME_ANCESTORS: &str = "'self' https://outlook.office.com https://outlook.office365.com \
     https://outlook.live.com https://outlook.cloud.microsoft";

/// Where the pane's files come from.
#[derive(Clone, Debug)]
pub enum Source {
    Embedded,
    Dir(PathBuf),
}

impl Source {
    fn read(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        match self {
            Source::Embedded => Web::get(path).map(|file| file.data),
            Source::Dir(dir) => std::fs::read(dir.join(path)).ok().map(Cow::Owned),
        }
    }
}

/// `GET /{path}`: one file of the pane.
pub async fn file(
    state: web::Data<State>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let path = path.into_inner();
    let path = if path.is_empty() {
        "taskpane.html".to_string()
    } else {
        path
    };
    if !is_safe(&path) {
        return Err(not_found());
    }
    let bytes = state.web.read(&path).ok_or_else(not_found)?;
    Ok(respond(&path, bytes, state.token.as_str()))
}

fn not_found() -> ApiError {
    ApiError::new(Kind::NotFound, "not_found", "no such page or file")
}

/// Plain relative paths only: no `..`, no hidden files, no encoded or odd characters.
fn is_safe(path: &str) -> bool {
    let chars_ok = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b));
    let parts_ok = path
        .split('/')
        .all(|part| !part.is_empty() && !part.starts_with('.'));
    chars_ok && parts_ok && !Path::new(path).is_absolute()
}

fn respond(path: &str, bytes: Cow<'static, [u8]>, token: &str) -> HttpResponse {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CONTENT_TYPE, content_type(&mime)));
    response.insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    response.insert_header((header::REFERRER_POLICY, "no-referrer"));

    // Office replaces ribbon icons with a generic one when their caching is forbidden.
    if mime.type_() != mime_guess::mime::IMAGE {
        response.insert_header((header::CACHE_CONTROL, "no-store"));
    }
    if mime.subtype() == mime_guess::mime::HTML {
        response.insert_header((header::CONTENT_SECURITY_POLICY, content_security_policy()));
        let page = String::from_utf8_lossy(&bytes).replace(TOKEN_PLACEHOLDER, token);
        return response.body(page);
    }
    response.body(bytes.into_owned())
}

fn content_type(mime: &mime_guess::Mime) -> String {
    match mime.type_() {
        mime_guess::mime::TEXT => format!("{mime}; charset=utf-8"),
        _ if mime.subtype() == mime_guess::mime::JAVASCRIPT => format!("{mime}; charset=utf-8"),
        _ if mime.subtype() == mime_guess::mime::JSON => format!("{mime}; charset=utf-8"),
        _ => mime.to_string(),
    }
}

/// Scripts only from ourselves and Microsoft's Office.js CDN; no inline code anywhere.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'self'; script-src 'self' https://appsforoffice.microsoft.com; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors {FRAME_ANCESTORS}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_hidden_paths_are_refused() {
        assert!(is_safe("taskpane.html"));
        assert!(is_safe("assets/icon-16.png"));
        assert!(!is_safe("../Cargo.toml"));
        assert!(!is_safe("assets/../../secret"));
        assert!(!is_safe("/etc/passwd"));
        assert!(!is_safe(".hidden"));
        assert!(!is_safe("a//b"));
        assert!(!is_safe("%2e%2e/x"));
        assert!(!is_safe("a\\..\\b"));
    }
}
