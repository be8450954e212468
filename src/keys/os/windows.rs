//! Windows: the Credential Manager (generic credentials of the current user).

use std::sync::Arc;

use keyring_core::CredentialStore;

pub fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store = windows_native_keyring_store::Store::new()?;
    Ok(store)
}
