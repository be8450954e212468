//! The user's LOX24 keys: their records (id, label, client id, last four characters,
//! origin, state, which one is active) in `<data dir>/keys.json`, their secrets in the
//! credential store ([`store`]), and the rules for adding, switching and removing them.
//!
//! Every change reads and rewrites the records under an exclusive lock, and the server
//! reads them afresh for each request, so a key added, switched or removed from the CLI
//! is seen at the next request and two processes never lose each other's change.
//! Talking to LOX24 to verify a key is in [`setup`]; the old account password is in
//! [`legacy`].

pub mod cli;
pub mod legacy;
mod os;
pub mod secret;
pub mod setup;
pub mod store;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsutil::{Access, lock_exclusive, write_atomic};
use crate::gateway::Credential;
use secret::Secret;
use store::{Secrets, Storage, StoreError};

const RECORDS_FILE: &str = "keys.json";
const RECORDS_LOCK: &str = "keys.lock";

/// Where a key came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// A key created in the LOX24 account (Settings → API Settings).
    ApiKey,
    /// The key LOX24 derived from the old account password by MD5.
    AccountPassword,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::ApiKey => "api-key",
            Origin::AccountPassword => "account-password",
        }
    }
}

/// What LOX24 last said about a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyState {
    /// LOX24 accepted it at the last verification.
    Verified,
    /// LOX24 answered 401: wrong, deleted or deactivated. No request is made with it until
    /// it is verified again.
    Rejected,
    /// LOX24 answered 403: the account is not activated or the key is inactive.
    Inactive,
}

impl KeyState {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Verified => "verified",
            KeyState::Rejected => "rejected",
            KeyState::Inactive => "inactive",
        }
    }
}

/// The account as LOX24 showed it at the last verification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountSummary {
    pub balance: f64,
    pub currency: String,
    pub services: Vec<String>,
}

/// One key's record. The secret itself is never here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub id: String,
    pub label: String,
    pub client_id: String,
    pub last4: String,
    pub origin: Origin,
    pub state: KeyState,
    /// Unix time of the last successful verification.
    pub verified_at: Option<i64>,
    pub storage: Storage,
    pub account: Option<AccountSummary>,
}

impl KeyRecord {
    /// `••••` and the last four characters.
    pub fn masked(&self) -> String {
        format!("••••{}", self.last4)
    }

    /// The secret's name in the store; unique per install, so test and sandbox data dirs
    /// never touch the user's real entries.
    fn secret_name(&self, install: &str) -> String {
        format!("{install}-key-{}", self.id)
    }
}

/// A key as the CLI's JSON and the local API show it: masked, never the secret.
#[derive(Clone, Debug, Serialize)]
pub struct KeyView {
    pub id: String,
    pub label: String,
    pub client_id: String,
    pub masked: String,
    pub origin: &'static str,
    pub state: &'static str,
    pub verified_at: Option<i64>,
    pub storage: Storage,
    pub active: bool,
    pub account: Option<AccountSummary>,
}

impl KeyView {
    pub fn new(record: &KeyRecord, active: Option<&str>) -> KeyView {
        KeyView {
            id: record.id.clone(),
            label: record.label.clone(),
            client_id: record.client_id.clone(),
            masked: record.masked(),
            origin: record.origin.as_str(),
            state: record.state.as_str(),
            verified_at: record.verified_at,
            storage: record.storage,
            active: active == Some(record.id.as_str()),
            account: record.account.clone(),
        }
    }
}

/// Everything in `keys.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Records {
    /// A random name for this install's secrets in the OS store.
    pub install: String,
    pub active: Option<String>,
    pub next_id: u32,
    pub keys: Vec<KeyRecord>,
}

impl Records {
    pub fn active(&self) -> Option<&KeyRecord> {
        let id = self.active.as_ref()?;
        self.keys.iter().find(|k| &k.id == id)
    }

    pub fn get(&self, id: &str) -> Option<&KeyRecord> {
        self.keys.iter().find(|k| k.id == id)
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut KeyRecord> {
        self.keys.iter_mut().find(|k| k.id == id)
    }
}

/// A problem with the key records or secrets.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KeyError {
    #[error("{message}")]
    Input {
        field: &'static str,
        message: String,
    },
    #[error("no key with id {0}; `sms-bridge key list` shows the keys")]
    NoSuchKey(String),
    #[error("no LOX24 key is set up yet; add one with `sms-bridge key add`")]
    NoActiveKey,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("failed to use the key records in {path}: {cause}")]
    Records { path: PathBuf, cause: String },
}

impl From<secret::InputError> for KeyError {
    fn from(error: secret::InputError) -> KeyError {
        KeyError::Input {
            field: error.field,
            message: error.message,
        }
    }
}

/// The keys of one data dir.
pub struct Keyring {
    dir: PathBuf,
    secrets: Secrets,
}

impl Keyring {
    pub fn new(data_dir: &Path, secrets: Secrets) -> Keyring {
        Keyring {
            dir: data_dir.to_path_buf(),
            secrets,
        }
    }

    /// The records as they are on disk now.
    pub fn records(&self) -> Result<Records, KeyError> {
        let path = self.dir.join(RECORDS_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| KeyError::Records {
                path: path.clone(),
                cause: format!("the file is damaged ({e}); move it away and add the keys again"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Records::default()),
            Err(e) => Err(KeyError::Records {
                path,
                cause: e.to_string(),
            }),
        }
    }

    /// Changes the records under the lock and writes them back atomically.
    fn update<T>(
        &self,
        change: impl FnOnce(&mut Records) -> Result<T, KeyError>,
    ) -> Result<T, KeyError> {
        let path = self.dir.join(RECORDS_FILE);
        let records_error = |cause: String| KeyError::Records {
            path: path.clone(),
            cause,
        };
        let _lock = lock_exclusive(&self.dir.join(RECORDS_LOCK))
            .map_err(|e| records_error(format!("failed to lock: {e}")))?;

        let mut records = self.records()?;
        if records.install.is_empty() {
            records.install = hex::encode(rand::random::<[u8; 6]>());
        }
        let result = change(&mut records)?;
        let text = serde_json::to_vec_pretty(&records).expect("records serialize");
        write_atomic(&path, &text, Access::OwnerOnly).map_err(|e| records_error(e.to_string()))?;
        Ok(result)
    }

    /// Stores a verified secret as a new key and makes it active. If the secret cannot be
    /// stored, no record is written.
    pub fn add(
        &self,
        label: &str,
        client_id: &str,
        secret: &Secret,
        origin: Origin,
        account: AccountSummary,
        now: i64,
    ) -> Result<KeyRecord, KeyError> {
        self.update(|records| {
            let id = (records.next_id.max(1)).to_string();
            let mut record = KeyRecord {
                id: id.clone(),
                label: if label.trim().is_empty() {
                    format!("key {id}")
                } else {
                    label.trim().into()
                },
                client_id: client_id.to_string(),
                last4: secret.last4(),
                origin,
                state: KeyState::Verified,
                verified_at: Some(now),
                storage: Storage::File,
                account: Some(account),
            };
            record.storage = self
                .secrets
                .put(&record.secret_name(&records.install), secret)?;
            records.next_id = records.next_id.max(1) + 1;
            records.keys.push(record.clone());
            records.active = Some(id);
            Ok(record)
        })
    }

    /// Makes a key the active one.
    pub fn activate(&self, id: &str) -> Result<KeyRecord, KeyError> {
        self.update(|records| {
            let record = records
                .get(id)
                .cloned()
                .ok_or_else(|| KeyError::NoSuchKey(id.into()))?;
            records.active = Some(record.id.clone());
            Ok(record)
        })
    }

    /// Removes a key and its secret. Returns the removed record and the key that is active
    /// afterwards (the most recently verified remaining key, if the active one went).
    pub fn remove(&self, id: &str) -> Result<(KeyRecord, Option<KeyRecord>), KeyError> {
        self.update(|records| {
            let record = records
                .get(id)
                .cloned()
                .ok_or_else(|| KeyError::NoSuchKey(id.into()))?;
            self.secrets
                .delete(&record.secret_name(&records.install), record.storage)?;
            records.keys.retain(|k| k.id != id);
            if records.active.as_deref() == Some(id) {
                let next = records
                    .keys
                    .iter()
                    .filter(|k| k.state == KeyState::Verified)
                    .max_by_key(|k| (k.origin == Origin::ApiKey, k.verified_at))
                    .or(records.keys.first());
                records.active = next.map(|k| k.id.clone());
            }
            Ok((record, records.active().cloned()))
        })
    }

    /// Records what the latest verification of a stored key found.
    pub fn set_state(
        &self,
        id: &str,
        state: KeyState,
        account: Option<AccountSummary>,
        now: i64,
    ) -> Result<KeyRecord, KeyError> {
        self.update(|records| {
            let record = records
                .get_mut(id)
                .ok_or_else(|| KeyError::NoSuchKey(id.into()))?;
            record.state = state;
            if state == KeyState::Verified {
                record.verified_at = Some(now);
            }
            if account.is_some() {
                record.account = account;
            }
            Ok(record.clone())
        })
    }

    /// Marks a stored key as derived from the account password.
    pub fn set_origin(&self, id: &str, origin: Origin) -> Result<KeyRecord, KeyError> {
        self.update(|records| {
            let record = records
                .get_mut(id)
                .ok_or_else(|| KeyError::NoSuchKey(id.into()))?;
            record.origin = origin;
            Ok(record.clone())
        })
    }

    /// The secret of a stored key.
    pub fn secret(&self, id: &str) -> Result<Secret, KeyError> {
        let records = self.records()?;
        let record = records
            .get(id)
            .ok_or_else(|| KeyError::NoSuchKey(id.into()))?;
        Ok(self
            .secrets
            .get(&record.secret_name(&records.install), record.storage)?)
    }

    /// The gateway credential of a stored key.
    pub fn credential(&self, id: &str) -> Result<Credential, KeyError> {
        let records = self.records()?;
        let record = records
            .get(id)
            .ok_or_else(|| KeyError::NoSuchKey(id.into()))?;
        let secret = self
            .secrets
            .get(&record.secret_name(&records.install), record.storage)?;
        Ok(credential_for(record, &secret))
    }

    /// The active key's record and credential.
    pub fn active_credential(&self) -> Result<(KeyRecord, Credential), KeyError> {
        let records = self.records()?;
        let record = records.active().cloned().ok_or(KeyError::NoActiveKey)?;
        let secret = self
            .secrets
            .get(&record.secret_name(&records.install), record.storage)?;
        let credential = credential_for(&record, &secret);
        Ok((record, credential))
    }
}

/// A gateway credential for a record and its secret.
pub fn credential_for(record: &KeyRecord, secret: &Secret) -> Credential {
    Credential {
        key_id: record.id.clone(),
        label: record.label.clone(),
        client_id: record.client_id.clone(),
        key: zeroize::Zeroizing::new(secret.expose().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StoreKind;

    fn summary() -> AccountSummary {
        AccountSummary {
            balance: 10.0,
            currency: "EUR".into(),
            services: vec!["direct".into()],
        }
    }

    fn keyring(dir: &Path) -> Keyring {
        Keyring::new(dir, Secrets::open(dir, StoreKind::File))
    }

    #[test]
    fn adding_makes_the_new_key_active_and_keeps_only_the_last_four() {
        let dir = tempfile::tempdir().unwrap();
        let keys = keyring(dir.path());
        let secret = Secret::new("e3f3a759b6677959b6ebfc0123456789".into());
        let first = keys
            .add("office", "1234567", &secret, Origin::ApiKey, summary(), 1)
            .unwrap();
        let second = keys
            .add("", "1234567", &secret, Origin::ApiKey, summary(), 2)
            .unwrap();

        let records = keys.records().unwrap();
        assert_eq!(records.active.as_deref(), Some(second.id.as_str()));
        assert_eq!(first.last4, "6789");
        assert_eq!(second.label, "key 2");
        let text = std::fs::read_to_string(dir.path().join(RECORDS_FILE)).unwrap();
        assert!(!text.contains(secret.expose()), "no secret in the records");
        assert_eq!(keys.secret(&first.id).unwrap().expose(), secret.expose());
    }

    #[test]
    fn removing_the_active_key_activates_the_best_remaining_one() {
        let dir = tempfile::tempdir().unwrap();
        let keys = keyring(dir.path());
        let secret = Secret::new("e3f3a759b6677959b6ebfc0123456789".into());
        let legacy = keys
            .add("old", "1", &secret, Origin::AccountPassword, summary(), 1)
            .unwrap();
        let modern = keys
            .add("new", "1", &secret, Origin::ApiKey, summary(), 2)
            .unwrap();
        let newest = keys
            .add(
                "newest",
                "1",
                &secret,
                Origin::AccountPassword,
                summary(),
                3,
            )
            .unwrap();

        let (removed, now_active) = keys.remove(&newest.id).unwrap();
        assert_eq!(removed.id, newest.id);
        assert_eq!(now_active.unwrap().id, modern.id, "an api-key is preferred");
        let (_, now_active) = keys.remove(&modern.id).unwrap();
        assert_eq!(now_active.unwrap().id, legacy.id);
        let (_, now_active) = keys.remove(&legacy.id).unwrap();
        assert!(now_active.is_none());
        assert!(matches!(keys.remove("9"), Err(KeyError::NoSuchKey(_))));
    }

    #[test]
    fn two_writers_never_lose_each_others_keys() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..4)
            .map(|n| {
                let dir = dir.path().to_path_buf();
                std::thread::spawn(move || {
                    let keys = keyring(&dir);
                    for i in 0..5 {
                        let secret = Secret::new(format!("secret-number-{n}-{i}-abcdef"));
                        keys.add("k", "1", &secret, Origin::ApiKey, summary(), 1)
                            .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let records = keyring(dir.path()).records().unwrap();
        assert_eq!(records.keys.len(), 20);
        let mut ids: Vec<_> = records.keys.iter().map(|k| k.id.clone()).collect();
        ids.dedup();
        assert_eq!(ids.len(), 20);
    }
}
