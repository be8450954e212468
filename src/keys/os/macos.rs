//! macOS: the login keychain. An unsigned binary that is rebuilt asks for keychain access
//! again, because the item's access list names the binary that created it.

use std::sync::Arc;

use keyring_core::CredentialStore;

pub fn native_store() -> keyring_core::Result<Arc<CredentialStore>> {
    let store = apple_native_keyring_store::keychain::Store::new()?;
    Ok(store)
}
