//! `/api/status` and `/api/keys`: the pane's view of the key setup. The handlers parse the
//! JSON, call the same key setup as the CLI, and answer masked keys only.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::error::{ApiError, Kind};
use super::{State, detached};
use crate::keys::secret::{parse_key_entry, parse_password_entry};
use crate::keys::setup::{self, NewKey, SetupError, blocking};
use crate::keys::{KeyError, KeyView, Origin};

/// `GET /api/status`.
pub async fn status(state: web::Data<State>) -> Result<HttpResponse, ApiError> {
    let bridge = state.bridge.clone();
    let status = web::block(move || bridge.status())
        .await
        .map_err(|e| internal(e.to_string()))?
        .map_err(|e| internal(e.to_string()))?;
    Ok(no_store().json(status))
}

/// `GET /api/keys`.
pub async fn list(state: web::Data<State>) -> Result<HttpResponse, ApiError> {
    let keyring = state.bridge.keyring.clone();
    let records = blocking(move || keyring.records())
        .await
        .map_err(key_error)?;
    let active = records.active.as_deref();
    let keys: Vec<_> = records
        .keys
        .iter()
        .map(|k| KeyView::new(k, active))
        .collect();
    Ok(no_store().json(serde_json::json!({ "active": records.active, "keys": keys })))
}

/// The body of `POST /api/keys`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddKey {
    /// The key, or `CLIENT_ID:KEY`, or the account password when `is_password`.
    key: String,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    label: String,
    /// "This is my LOX24 account password".
    #[serde(default)]
    is_password: bool,
}

/// `POST /api/keys`: verify with LOX24, then store and activate.
pub async fn add(
    state: web::Data<State>,
    body: web::Json<AddKey>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    check_label(&body.label)?;
    let configured = state.bridge.config.account.client_id.clone();
    let entered = if body.is_password {
        parse_password_entry(&body.key, body.client_id.as_deref(), configured.as_deref())
    } else {
        parse_key_entry(&body.key, body.client_id.as_deref(), configured.as_deref())
    }
    .map_err(|e| {
        ApiError::new(Kind::BadRequest, "invalid_key_entry", e.message).on_field(e.field)
    })?;
    let origin = if body.is_password {
        Origin::AccountPassword
    } else {
        Origin::ApiKey
    };
    let new = NewKey {
        label: body.label,
        entered,
        origin,
    };

    let bridge = state.bridge.clone();
    let added =
        detached(
            async move { setup::add(bridge.keyring.clone(), &bridge.gateway, new, now()).await },
        )
        .await?
        .map_err(setup_error)?;
    let active = Some(added.record.id.as_str());
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({
            "key": KeyView::new(&added.record, active),
            "notes": added.notes,
        })))
}

/// `POST /api/keys/{id}/use`.
pub async fn activate(
    state: web::Data<State>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let keyring = state.bridge.keyring.clone();
    let id = id.into_inner();
    let (record, records) = blocking(move || {
        let record = keyring.activate(&id)?;
        Ok((record, keyring.records()?))
    })
    .await
    .map_err(key_error)?;
    let legacy: Vec<_> = records
        .keys
        .iter()
        .filter(|k| k.origin == Origin::AccountPassword && k.id != record.id)
        .map(|k| KeyView::new(k, Some(&record.id)))
        .collect();
    let removable = if record.origin == Origin::ApiKey {
        legacy
    } else {
        Vec::new()
    };
    Ok(no_store().json(serde_json::json!({
        "key": KeyView::new(&record, Some(&record.id)),
        "legacy_keys_to_remove": removable,
    })))
}

/// `DELETE /api/keys/{id}`.
pub async fn remove(
    state: web::Data<State>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let keyring = state.bridge.keyring.clone();
    let id = id.into_inner();
    let (removed, active) = blocking(move || keyring.remove(&id))
        .await
        .map_err(key_error)?;
    let active_id = active.as_ref().map(|k| k.id.clone());
    Ok(no_store().json(serde_json::json!({
        "removed": KeyView::new(&removed, None),
        "active": active.as_ref().map(|k| KeyView::new(k, active_id.as_deref())),
    })))
}

/// `POST /api/keys/{id}/verify`.
pub async fn verify(
    state: web::Data<State>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let bridge = state.bridge.clone();
    let id = id.into_inner();
    let record = detached(async move {
        setup::verify(bridge.keyring.clone(), &bridge.gateway, &id, now()).await
    })
    .await?
    .map_err(setup_error)?;
    let records = state.bridge.keyring.records().map_err(key_error)?;
    Ok(no_store().json(serde_json::json!({
        "key": KeyView::new(&record, records.active.as_deref()),
    })))
}

/// The longest label, in characters.
const LABEL_MAX: usize = 64;

/// A label is shown in lists and named in log lines: one short line.
fn check_label(label: &str) -> Result<(), ApiError> {
    if label.chars().count() <= LABEL_MAX && !label.chars().any(char::is_control) {
        return Ok(());
    }
    Err(ApiError::new(
        Kind::BadRequest,
        "invalid_label",
        format!("the label must be one line of at most {LABEL_MAX} characters"),
    )
    .on_field("label"))
}

fn setup_error(error: SetupError) -> ApiError {
    match error {
        SetupError::Key(error) => key_error(error),
        SetupError::Rejected {
            error,
            maybe_password,
        } => {
            let message = SetupError::Rejected {
                error: error.clone(),
                maybe_password,
            }
            .to_string();
            let mut api = ApiError::from(error);
            api.message = message;
            api.field = Some("key".to_string());
            if maybe_password {
                api.hint = Some("account_password");
            }
            api
        }
        SetupError::Gateway { error } => ApiError::from(error),
    }
}

fn key_error(error: KeyError) -> ApiError {
    match error {
        KeyError::Input { field, message } => {
            ApiError::new(Kind::BadRequest, "invalid_key_entry", message).on_field(field)
        }
        KeyError::NoSuchKey(_) => ApiError::new(Kind::NotFound, "no_such_key", error.to_string()),
        KeyError::NoActiveKey => ApiError::new(Kind::Unprocessable, "no_key", error.to_string()),
        KeyError::Store(_) => ApiError::new(
            Kind::Unavailable,
            "credential_store_unavailable",
            error.to_string(),
        ),
        KeyError::Records { .. } => internal(error.to_string()),
    }
}

fn internal(message: String) -> ApiError {
    tracing::error!("api: {message}");
    ApiError::new(Kind::Internal, "internal", message)
}

fn no_store() -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response.insert_header(("Cache-Control", "no-store"));
    response
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
