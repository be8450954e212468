//! What `sms-bridge status` and `GET /api/status` report: whether a key is set up, the
//! active key (masked), the account from its last verification, and the warnings with
//! what to do about each. It only reads; nothing here talks to LOX24.

use serde::Serialize;

use crate::config::Config;
use crate::guard::GuardSnapshot;
use crate::keys::store::Storage;
use crate::keys::{AccountSummary, KeyState, Origin, Records};

/// The status, with the field names of the documented JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub configured: bool,
    pub sandbox: bool,
    pub active_key: Option<ActiveKey>,
    pub account: Option<AccountSummary>,
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActiveKey {
    pub id: String,
    pub label: String,
    pub client_id: String,
    pub masked: String,
    pub origin: &'static str,
    pub state: &'static str,
}

/// One thing the user should know, and what to do about it.
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    pub code: &'static str,
    pub message: String,
    pub action: String,
}

/// What the status is built from.
pub struct Inputs<'a> {
    pub config: &'a Config,
    pub records: &'a Records,
    pub guard: &'a GuardSnapshot,
    pub sandbox: bool,
    /// When the localhost certificate expires (unix time), if known.
    pub leaf_expires: Option<i64>,
    pub now: i64,
}

/// The status for these inputs.
pub fn status(inputs: &Inputs<'_>) -> Status {
    let active = inputs.records.active();
    let rejected = active.is_some_and(|key| {
        key.state == KeyState::Rejected || inputs.guard.rejected_keys.contains(&key.id)
    });
    let active_key = active.map(|key| ActiveKey {
        id: key.id.clone(),
        label: key.label.clone(),
        client_id: key.client_id.clone(),
        masked: key.masked(),
        origin: key.origin.as_str(),
        state: if rejected {
            KeyState::Rejected.as_str()
        } else {
            key.state.as_str()
        },
    });

    let mut warnings = Vec::new();
    if inputs.sandbox {
        warnings.push(warning(
            "sandbox",
            "SANDBOX: messages go to the built-in LOX24 simulator; no SMS is delivered and \
             nothing is charged",
            "start the bridge without --sandbox to send real SMS",
        ));
    }
    if let Some(key) = active {
        if key.origin == Origin::AccountPassword {
            warnings.push(warning(
                "legacy_password",
                &format!(
                    "the active key '{}' is derived from your LOX24 account password: it is the \
                     MD5 hash of the same secret as the web login, so anyone who learns the \
                     password can send SMS at your cost",
                    key.label
                ),
                "create a new API key in your LOX24 account under Settings → API Settings, add \
                 it here, then delete the old key there",
            ));
        }
        if key.storage == Storage::File {
            warnings.push(warning(
                "insecure_key_storage",
                "the API key is kept in a file in the data dir (readable only by you), not in \
                 the operating system's credential store",
                "set credentials.store = \"os\" on a machine with a credential store (Windows, \
                 macOS, or a Linux desktop with a keyring), then add the key again",
            ));
        }
        if rejected {
            warnings.push(warning(
                "key_rejected",
                &format!(
                    "LOX24 rejected the key '{}'; the bridge makes no request with it",
                    key.label
                ),
                "check the key in your LOX24 account under Settings → API Settings, then verify \
                 it again or add a new key",
            ));
        }
        if key.state == KeyState::Inactive {
            warnings.push(warning(
                "key_inactive",
                "LOX24 says the account is not activated yet or the key is switched off",
                "switch the key on under Settings → API Settings, or wait for the activation",
            ));
        }
    }
    if let Some(until) = inputs
        .guard
        .blocked_until
        .filter(|until| *until > inputs.now)
    {
        let minutes = (until - inputs.now + 59) / 60;
        warnings.push(warning(
            "ip_blocked",
            &format!(
                "LOX24 blocked this computer's internet address after requests with wrong keys; \
                 the block ends in about {minutes} min"
            ),
            &format!("wait {minutes} min; every request in the meantime is refused by LOX24"),
        ));
    }
    if inputs.config.account.password.is_some() {
        let migrated = inputs
            .records
            .keys
            .iter()
            .any(|key| key.origin == Origin::AccountPassword);
        let action = if migrated {
            "remove account.password from there; the key derived from it is in the key store"
        } else {
            "remove account.password from there and add an API key with `sms-bridge key add`; \
             no key derived from this password could be stored"
        };
        warnings.push(warning(
            "password_in_config",
            &format!(
                "the LOX24 account password is still in the settings ({})",
                inputs.config.origin("account.password")
            ),
            action,
        ));
    }
    if let Some(expires) = inputs
        .leaf_expires
        .filter(|e| *e - inputs.now < 30 * 86_400)
    {
        let days = (expires - inputs.now).max(0) / 86_400;
        warnings.push(warning(
            "cert_expiring",
            &format!("the localhost certificate expires in {days} days"),
            "restart the bridge or run `sms-bridge cert renew`; the CA stays the same",
        ));
    }

    Status {
        configured: active.is_some(),
        sandbox: inputs.sandbox,
        active_key,
        account: active.and_then(|key| key.account.clone()),
        warnings,
    }
}

fn warning(code: &'static str, message: &str, action: &str) -> Warning {
    Warning {
        code,
        message: message.to_string(),
        action: action.to_string(),
    }
}
