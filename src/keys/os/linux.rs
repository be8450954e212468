//! Linux: the Secret Service (GNOME Keyring, KWallet) over D-Bus, in pure Rust. A machine
//! without a desktop session has no Secret Service; the caller then uses the file store.

use std::sync::Arc;

use keyring_core::CredentialStore;

pub fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store = zbus_secret_service_keyring_store::Store::new()?;
    Ok(store)
}
