//! Entering and verifying keys: one `GET /me` through the gateway (and so through the
//! lockout guard) decides whether a key is stored; nothing is stored when LOX24 refuses.
//! Shared by `sms-bridge key …` and `/api/keys`, which only parse input and print.

use std::sync::Arc;

use super::secret::{Entered, legacy_key_from_password};
use super::{AccountSummary, KeyError, KeyRecord, KeyState, Keyring, Origin};
use crate::gateway::{Account, Credential, Gateway, GatewayError};

/// A key the user entered, about to be verified.
pub struct NewKey {
    pub label: String,
    pub entered: Entered,
    /// `AccountPassword` when the user said the secret is the LOX24 account password.
    pub origin: Origin,
}

/// A key that LOX24 accepted and that is now stored and active.
#[derive(Debug)]
pub struct Added {
    pub record: KeyRecord,
    pub notes: Vec<String>,
    pub request_id: Option<String>,
}

/// Why a key was not stored, or not verified.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Key(#[from] KeyError),
    /// LOX24 rejected the secret (401).
    #[error("{}", rejected_words(.error, *.maybe_password))]
    Rejected {
        error: GatewayError,
        maybe_password: bool,
    },
    #[error("{error}")]
    Gateway { error: GatewayError },
}

impl SetupError {
    pub fn gateway(&self) -> Option<&GatewayError> {
        match self {
            SetupError::Rejected { error, .. } | SetupError::Gateway { error } => Some(error),
            SetupError::Key(_) => None,
        }
    }
}

fn rejected_words(error: &GatewayError, maybe_password: bool) -> String {
    if !maybe_password {
        return error.to_string();
    }
    format!(
        "{error}. This does not look like an API key (those are 32 characters of 0-9 and a-f): \
         if it is your LOX24 account password, enter it again as the account password \
         (`sms-bridge key add --password`, or tick \"this is my LOX24 account password\"), \
         or better create an API key in the LOX24 account under Settings → API Settings"
    )
}

/// Verifies a new key with LOX24 and stores it as the active key.
pub async fn add(
    keyring: Arc<Keyring>,
    gateway: &Gateway,
    new: NewKey,
    now: i64,
) -> Result<Added, SetupError> {
    let probe_id = format!("new-{}", uuid::Uuid::new_v4());
    add_as(keyring, gateway, new, probe_id, now).await
}

/// The same, with the id under which the lockout guard remembers a rejection. A fresh id
/// (as [`add`] uses) lets the user try a key they typed again; a fixed id makes the guard
/// refuse, without a request, a secret that LOX24 rejected before.
pub async fn add_as(
    keyring: Arc<Keyring>,
    gateway: &Gateway,
    new: NewKey,
    probe_id: String,
    now: i64,
) -> Result<Added, SetupError> {
    let secret = match new.origin {
        Origin::AccountPassword => legacy_key_from_password(&new.entered.secret),
        Origin::ApiKey => new.entered.secret.clone(),
    };
    let label = if new.label.trim().is_empty() {
        "new key".to_string()
    } else {
        new.label.clone()
    };
    let probe = Credential {
        key_id: probe_id,
        label,
        client_id: new.entered.client_id.clone(),
        key: zeroize::Zeroizing::new(secret.expose().to_string()),
    };

    let reply = gateway.account(&probe).await.map_err(|error| match error {
        GatewayError::BadCredentials { .. } => SetupError::Rejected {
            maybe_password: new.origin == Origin::ApiKey
                && !new.entered.secret.looks_like_api_key(),
            error,
        },
        error => SetupError::Gateway { error },
    })?;

    let account = summary(&reply.value);
    let label = new.label.clone();
    let client_id = new.entered.client_id.clone();
    let origin = new.origin;
    let record =
        blocking(move || keyring.add(&label, &client_id, &secret, origin, account, now)).await?;
    tracing::info!(
        "keys: stored key '{}' (id {}) as the active key",
        record.label,
        record.id
    );
    Ok(Added {
        record,
        notes: new.entered.notes,
        request_id: reply.request_id,
    })
}

/// Verifies a stored key again. The guard forgets an earlier rejection of it first: the
/// user asked for this request.
pub async fn verify(
    keyring: Arc<Keyring>,
    gateway: &Gateway,
    id: &str,
    now: i64,
) -> Result<KeyRecord, SetupError> {
    let id = id.to_string();
    let store = keyring.clone();
    let lookup = id.clone();
    let credential = blocking(move || store.credential(&lookup)).await?;
    if let Err(cause) = gateway.guard().clear(&id) {
        return Err(SetupError::Gateway {
            error: GatewayError::GuardUnavailable { cause },
        });
    }

    let result = gateway.account(&credential).await;
    let (state, account) = match &result {
        Ok(reply) => (KeyState::Verified, Some(summary(&reply.value))),
        Err(GatewayError::BadCredentials { .. }) => (KeyState::Rejected, None),
        Err(GatewayError::Forbidden { .. }) => (KeyState::Inactive, None),
        Err(_) => {
            return Err(SetupError::Gateway {
                error: result.expect_err("matched as an error"),
            });
        }
    };
    let record = blocking(move || keyring.set_state(&id, state, account, now)).await?;
    match result {
        Ok(_) => Ok(record),
        Err(error @ GatewayError::BadCredentials { .. }) => Err(SetupError::Rejected {
            error,
            maybe_password: false,
        }),
        Err(error) => Err(SetupError::Gateway { error }),
    }
}

/// The parts of `GET /me` the bridge keeps.
pub fn summary(account: &Account) -> AccountSummary {
    AccountSummary {
        balance: account.balance_amount,
        currency: account.currency.clone(),
        services: account.services.clone(),
    }
}

/// Runs a blocking key-store call off the async runtime.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, KeyError> + Send + 'static,
) -> Result<T, KeyError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(join) => Err(KeyError::Records {
            path: std::path::PathBuf::from("keys.json"),
            cause: format!("the key store task failed ({join})"),
        }),
    }
}
