//! The operating system's credential store, one file per OS with the same function.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::native_store;

#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
pub use macos::native_store;

#[cfg(target_os = "windows")]
mod windows;
#[cfg(target_os = "windows")]
pub use windows::native_store;

/// Other systems have no supported store; keys then live in the owner-only file.
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
pub fn native_store() -> keyring_core::Result<std::sync::Arc<keyring_core::CredentialStore>> {
    Err(keyring_core::Error::NoDefaultStore)
}
