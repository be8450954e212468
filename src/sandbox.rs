//! `serve --sandbox`: the bridge with the LOX24 simulator inside, so a newcomer can go
//! through key setup, compose, send and history without a LOX24 account. Its keys and
//! journal live in `<data dir>/sandbox`, apart from real data; the certificate and the
//! page token are the real ones, so the trusted CA works for both.

use std::path::Path;

use anyhow::Context;

use crate::config::{Config, GatewayUrl};
use crate::keys::secret::{Secret, legacy_key_from_password};
use crate::simulator::{SimAccount, SimOptions, Simulator, SimulatorHandle};

/// The sandbox account with an API key; printed at start for the setup form.
pub const CLIENT_ID: &str = "100000";
pub const KEY: &str = "5a4db0c3e1f2a3b4c5d6e7f8091a2b3c";

/// A second account whose key is derived from an account password, to try the legacy
/// password path and its warning.
pub const LEGACY_CLIENT_ID: &str = "100001";
pub const LEGACY_PASSWORD: &str = "sandbox-password";

/// Starts the simulator with the sandbox accounts on a free loopback port.
pub async fn start() -> anyhow::Result<SimulatorHandle> {
    let legacy_key = legacy_key_from_password(&Secret::new(LEGACY_PASSWORD.to_string()));
    let options = SimOptions {
        accounts: vec![
            SimAccount::new(CLIENT_ID, KEY),
            SimAccount::new(LEGACY_CLIENT_ID, legacy_key.expose()),
        ],
        ..SimOptions::default()
    };
    Simulator::start(options)
        .await
        .context("failed to start the sandbox simulator")
}

/// The configuration for the sandbox: its own data dir, the simulator as the gateway.
pub fn config(mut config: Config, simulator_url: &str) -> anyhow::Result<Config> {
    config.gateway.url = GatewayUrl::parse(simulator_url)
        .map_err(|e| anyhow::anyhow!("failed to use the sandbox simulator: {e}"))?;
    config.data_dir = sandbox_dir(&config.data_dir);
    crate::fsutil::create_private_dir(&config.data_dir)
        .with_context(|| format!("failed to create {}", config.data_dir.display()))?;
    Ok(config)
}

fn sandbox_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("sandbox")
}

/// What `serve --sandbox` prints at start.
pub fn banner() -> String {
    format!(
        "SANDBOX: messages go to a built-in LOX24 simulator; no SMS is delivered, nothing is \
         charged.\nsandbox account: client id {CLIENT_ID}, API key {KEY} (paste \
         {CLIENT_ID}:{KEY} into the setup form)\nsandbox account with an old password: client \
         id {LEGACY_CLIENT_ID}, account password {LEGACY_PASSWORD}"
    )
}
