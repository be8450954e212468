//! Where secrets live: the operating system's credential store through keyring-core, or an
//! owner-only file in the data dir when no OS store works (or `credentials.store = "file"`
//! asks for it). Each key record says which one holds its secret. Metadata is not here;
//! see the parent module.
//!
//! The keyring-core calls block (the Secret Service store runs its own executor), so
//! callers on an async runtime use `spawn_blocking`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::secret::Secret;
use crate::config::StoreKind;
use crate::fsutil::{Access, write_atomic};

/// The service name secrets are filed under in the OS store.
const SERVICE: &str = "sms-bridge";

const SECRETS_FILE: &str = "secrets.json";
const SECRETS_LOCK: &str = "secrets.lock";

/// Which store holds one key's secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    Os,
    File,
}

/// Why a secret could not be stored or read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the credential store refused access ({0}); unlock your keychain or keyring (log in to \
         the desktop session), then try again"
    )]
    Refused(String),
    #[error("the secret for this key is missing from the credential store; add the key again")]
    Missing,
    #[error("failed to use the credential store: {0}")]
    Failed(String),
}

/// The secret stores available to this process.
pub struct Secrets {
    os: Option<Arc<CredentialStore>>,
    file: PathBuf,
    preferred: StoreKind,
}

impl Secrets {
    /// The stores for this data dir; the OS store only when `preferred` is `Os` and one
    /// can be opened on this machine.
    pub fn open(data_dir: &Path, preferred: StoreKind) -> Secrets {
        let os = match preferred {
            StoreKind::File => None,
            StoreKind::Os => match super::os::native_store() {
                Ok(store) => Some(store),
                Err(error) => {
                    tracing::debug!("no OS credential store: {error}");
                    None
                }
            },
        };
        Secrets {
            os,
            file: data_dir.join(SECRETS_FILE),
            preferred,
        }
    }

    /// The same, with a given OS store (tests use keyring-core's mock store).
    pub fn with_os_store(data_dir: &Path, store: Arc<CredentialStore>) -> Secrets {
        Secrets {
            os: Some(store),
            file: data_dir.join(SECRETS_FILE),
            preferred: StoreKind::Os,
        }
    }

    /// Stores a secret under `name`, in the OS store when it works, else in the file.
    pub fn put(&self, name: &str, secret: &Secret) -> Result<Storage, StoreError> {
        if let Some(store) = &self.os {
            match os_entry(store, name).and_then(|entry| entry.set_password(secret.expose())) {
                Ok(()) => return Ok(Storage::Os),
                Err(keyring_core::Error::PlatformFailure(cause)) => {
                    tracing::warn!(
                        "OS credential store unusable ({cause}); keeping the key in a file"
                    );
                }
                Err(error) => return Err(store_error(error)),
            }
        } else if self.preferred == StoreKind::Os {
            tracing::warn!("no OS credential store on this machine; keeping the key in a file");
        }
        self.file_put(name, secret)?;
        Ok(Storage::File)
    }

    pub fn get(&self, name: &str, storage: Storage) -> Result<Secret, StoreError> {
        match storage {
            Storage::Os => {
                let store = self.os.as_ref().ok_or_else(|| {
                    StoreError::Failed("the OS credential store is not available now".to_string())
                })?;
                let password = os_entry(store, name)
                    .and_then(|entry| entry.get_password())
                    .map_err(store_error)?;
                Ok(Secret::new(password))
            }
            Storage::File => {
                let map = self.file_read()?;
                map.get(name)
                    .map(|s| Secret::new(s.to_string()))
                    .ok_or(StoreError::Missing)
            }
        }
    }

    /// Removes a secret; one that is already gone is not an error.
    pub fn delete(&self, name: &str, storage: Storage) -> Result<(), StoreError> {
        match storage {
            Storage::Os => {
                let Some(store) = &self.os else {
                    return Err(StoreError::Failed(
                        "the OS credential store is not available".into(),
                    ));
                };
                match os_entry(store, name).and_then(|entry| entry.delete_credential()) {
                    Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
                    Err(error) => Err(store_error(error)),
                }
            }
            Storage::File => self.file_update(|map| {
                map.remove(name);
            }),
        }
    }

    fn file_put(&self, name: &str, secret: &Secret) -> Result<(), StoreError> {
        self.file_update(|map| {
            map.insert(
                name.to_string(),
                Zeroizing::new(secret.expose().to_string()),
            );
        })
    }

    fn file_read(&self) -> Result<BTreeMap<String, Zeroizing<String>>, StoreError> {
        match std::fs::read(&self.file) {
            Ok(bytes) => {
                let bytes = Zeroizing::new(bytes);
                serde_json::from_slice(&bytes).map_err(|e| {
                    StoreError::Failed(format!("{} is damaged ({e})", self.file.display()))
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(StoreError::Failed(format!(
                "failed to read {}: {e}",
                self.file.display()
            ))),
        }
    }

    fn file_update(
        &self,
        change: impl FnOnce(&mut BTreeMap<String, Zeroizing<String>>),
    ) -> Result<(), StoreError> {
        let dir = self.file.parent().unwrap_or(Path::new("."));
        let _lock = crate::fsutil::lock_exclusive(&dir.join(SECRETS_LOCK))
            .map_err(|e| StoreError::Failed(format!("failed to lock the secrets file: {e}")))?;
        let mut map = self.file_read()?;
        change(&mut map);
        let text = Zeroizing::new(serde_json::to_vec(&map).expect("a string map serializes"));
        write_atomic(&self.file, &text, Access::OwnerOnly).map_err(|e| {
            StoreError::Failed(format!("failed to write {}: {e}", self.file.display()))
        })
    }
}

fn os_entry(store: &Arc<CredentialStore>, name: &str) -> keyring_core::Result<Entry> {
    Entry::new_in_store(store, SERVICE, name)
}

fn store_error(error: keyring_core::Error) -> StoreError {
    match error {
        keyring_core::Error::NoEntry => StoreError::Missing,
        keyring_core::Error::NoStorageAccess(cause) => StoreError::Refused(cause.to_string()),
        other => StoreError::Failed(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> Secret {
        Secret::new(text.to_string())
    }

    #[test]
    fn the_file_store_keeps_secrets_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::open(dir.path(), StoreKind::File);

        assert_eq!(
            secrets.put("k1", &secret("first-secret-1234")).unwrap(),
            Storage::File
        );
        assert_eq!(
            secrets.get("k1", Storage::File).unwrap().expose(),
            "first-secret-1234"
        );
        let mode = std::fs::metadata(dir.path().join(SECRETS_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);

        secrets.delete("k1", Storage::File).unwrap();
        assert!(matches!(
            secrets.get("k1", Storage::File),
            Err(StoreError::Missing)
        ));
        secrets.delete("k1", Storage::File).unwrap();
    }

    #[test]
    fn the_os_store_is_used_when_it_works() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<CredentialStore> = keyring_core::mock::Store::new().unwrap();
        let secrets = Secrets::with_os_store(dir.path(), store);

        assert_eq!(
            secrets.put("k1", &secret("os-secret-123456")).unwrap(),
            Storage::Os
        );
        assert_eq!(
            secrets.get("k1", Storage::Os).unwrap().expose(),
            "os-secret-123456"
        );
        assert!(
            !dir.path().join(SECRETS_FILE).exists(),
            "nothing lands in the file"
        );
        secrets.delete("k1", Storage::Os).unwrap();
        assert!(matches!(
            secrets.get("k1", Storage::Os),
            Err(StoreError::Missing)
        ));
    }
}
