//! The old account password. LOX24 gave existing customers a first API key equal to the
//! MD5 hex of their web-login password; old tools were configured with that password.
//! This module recognises such keys (`key check-password`), moves a password found in
//! old settings (`account.password`) into the key store as the key derived from it, and
//! removes it from the config file. The password itself is never stored, logged or sent.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::secret::{Secret, legacy_key_from_password};
use super::setup::{self, NewKey, SetupError, blocking};
use super::{KeyError, KeyRecord, Keyring, Origin};
use crate::config::{Config, Origin as ConfigOrigin};
use crate::fsutil::{Access, write_atomic};
use crate::gateway::Gateway;

/// Whether the password derives the stored key `id`; a match marks the key as derived
/// from the account password. Makes no request to LOX24.
pub fn check_password(keyring: &Keyring, id: &str, password: &Secret) -> Result<bool, KeyError> {
    let stored = keyring.secret(id)?;
    if !stored.looks_like_api_key() {
        return Ok(false);
    }
    let derived = legacy_key_from_password(password);
    let lowercase = Secret::new(stored.expose().to_ascii_lowercase());
    if !derived.same_as(&lowercase) {
        return Ok(false);
    }
    keyring.set_origin(id, Origin::AccountPassword)?;
    Ok(true)
}

/// What happened to a password found in the configuration.
#[derive(Debug)]
pub struct Migration {
    /// The key derived from it, now in the store.
    pub record: KeyRecord,
    /// Whether this run stored it (false: an earlier run did).
    pub stored_now: bool,
    /// How the password leaves the configuration.
    pub cleanup: Cleanup,
}

/// Removing the password from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleanup {
    /// The line was removed from this file; everything else was kept.
    Removed(PathBuf),
    /// The bridge could not remove it; the user must do this.
    Manual(String),
}

/// Why old settings could not be migrated.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "account.password is set ({0}) but account.client_id is not; add `client_id = \"<your \
         LOX24 customer number>\"` under [account], or remove the password and add an API key \
         with `sms-bridge key add`"
    )]
    NoClientId(String),
    #[error("failed to move the account password from the settings into the key store: {0}")]
    Setup(#[from] SetupError),
}

/// Moves `account.password` from the configuration into the key store, verified with
/// LOX24 like any new key, unless an earlier run already did; then removes it from the
/// configuration where the bridge can.
pub async fn migrate_config_password(
    config: &Config,
    keyring: Arc<Keyring>,
    gateway: &Gateway,
    now: i64,
) -> Result<Option<Migration>, MigrationError> {
    let Some(password) = &config.account.password else {
        return Ok(None);
    };
    let origin = config.origin("account.password");
    let Some(client_id) = config.account.client_id.clone() else {
        return Err(MigrationError::NoClientId(origin.to_string()));
    };
    let password = Secret::new(password.to_string());
    let derived = legacy_key_from_password(&password);

    let store = keyring.clone();
    let (client, key) = (client_id.clone(), derived.clone());
    let existing = blocking(move || stored_legacy_key(&store, &client, &key))
        .await
        .map_err(|e| MigrationError::Setup(SetupError::Key(e)))?;
    let (record, stored_now) = match existing {
        Some(record) => (record, false),
        None => {
            let entered =
                super::secret::parse_password_entry(password.expose(), Some(&client_id), None)
                    .map_err(|e| MigrationError::Setup(SetupError::Key(e.into())))?;
            let new = NewKey {
                label: "from old settings".to_string(),
                entered,
                origin: Origin::AccountPassword,
            };
            // The same id on every run, so that once LOX24 rejected the derived key the
            // guard refuses it instead of sending it again at each start or `status`.
            let probe_id = format!("config-password-{client_id}-{}", derived.last4());
            let added = setup::add_as(keyring, gateway, new, probe_id, now).await?;
            tracing::warn!(
                "keys: moved account.password from {origin} into the key store as key '{}'",
                added.record.label
            );
            (added.record, true)
        }
    };
    Ok(Some(Migration {
        record,
        stored_now,
        cleanup: remove_from_config(&origin),
    }))
}

/// A stored account-password key of this client with exactly this secret.
fn stored_legacy_key(
    keyring: &Keyring,
    client_id: &str,
    derived: &Secret,
) -> Result<Option<KeyRecord>, KeyError> {
    let records = keyring.records()?;
    for record in records.keys.iter().filter(|k| k.client_id == client_id) {
        if record.last4 == derived.last4() && keyring.secret(&record.id)?.same_as(derived) {
            return Ok(Some(record.clone()));
        }
    }
    Ok(None)
}

/// Takes the password out of where it came from, or says exactly what to do.
fn remove_from_config(origin: &ConfigOrigin) -> Cleanup {
    match origin {
        ConfigOrigin::File(path) => match remove_password_line(path) {
            Ok(()) => Cleanup::Removed(path.clone()),
            Err(cause) => Cleanup::Manual(format!(
                "delete the line {} from {} ({cause})",
                password_line(path).unwrap_or_else(|| "`password = …` under [account]".into()),
                path.display()
            )),
        },
        ConfigOrigin::Env(name) => Cleanup::Manual(format!(
            "remove the environment variable {name} (the key is stored; the password is no \
             longer needed)"
        )),
        other => Cleanup::Manual(format!("remove account.password from {other}")),
    }
}

/// Rewrites the TOML file without `account.password`, keeping everything else as it was
/// (comments, order, other keys) and the file's permissions.
fn remove_password_line(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut document: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    let removed = document
        .get_mut("account")
        .and_then(|account| account.as_table_like_mut())
        .and_then(|account| account.remove("password"));
    if removed.is_none() {
        return Err("the password is not a plain `password = …` line".to_string());
    }
    let access = match file_mode(path) {
        Some(mode) if mode & 0o077 == 0 => Access::OwnerOnly,
        _ => Access::Public,
    };
    write_atomic(path, document.to_string().as_bytes(), access).map_err(|e| e.to_string())
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).ok().map(|m| m.permissions().mode())
}

#[cfg(not(unix))]
fn file_mode(_path: &Path) -> Option<u32> {
    None
}

/// "12 (`password = …` under [account])", found by reading the file.
fn password_line(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut section = String::new();
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            section = trimmed.trim_matches(['[', ']', ' ']).to_string();
        } else if section == "account" && trimmed.starts_with("password") {
            return Some(format!("{} (`password = …` under [account])", number + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_the_password_keeps_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let text = "# my settings\n[account]\nclient_id = \"123\"\npassword = \"geheim\"\n\n[sms]\n\
                    sender_id = \"Praxis\" # our name\n";
        std::fs::write(&path, text).unwrap();

        assert_eq!(
            password_line(&path).unwrap(),
            "4 (`password = …` under [account])"
        );
        remove_password_line(&path).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(!after.contains("geheim"));
        assert!(after.contains("# my settings") && after.contains("client_id = \"123\""));
        assert!(after.contains("sender_id = \"Praxis\" # our name"));
    }

    #[test]
    fn a_password_that_derives_the_stored_key_marks_it() {
        let dir = tempfile::tempdir().unwrap();
        let keys = Keyring::new(
            dir.path(),
            super::super::store::Secrets::open(dir.path(), crate::config::StoreKind::File),
        );
        let summary = super::super::AccountSummary {
            balance: 1.0,
            currency: "EUR".into(),
            services: vec![],
        };
        let derived = Secret::new("5f4dcc3b5aa765d61d8327deb882cf99".into());
        let record = keys
            .add("first", "1", &derived, Origin::ApiKey, summary, 1)
            .unwrap();

        assert!(!check_password(&keys, &record.id, &Secret::new("wrong".into())).unwrap());
        assert_eq!(keys.records().unwrap().keys[0].origin, Origin::ApiKey);
        assert!(check_password(&keys, &record.id, &Secret::new("password".into())).unwrap());
        assert_eq!(
            keys.records().unwrap().keys[0].origin,
            Origin::AccountPassword
        );
    }
}
