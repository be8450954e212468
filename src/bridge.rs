//! What every command that talks to LOX24 needs, built once from the checked
//! configuration: the keys of the data dir, the gateway client with its lockout guard,
//! the journal of sent messages, and whether this is the sandbox.

use std::sync::Arc;

use anyhow::Context;

use crate::config::Config;
use crate::gateway::Gateway;
use crate::guard::Guard;
use crate::keys::Keyring;
use crate::keys::store::Secrets;

pub struct Bridge {
    pub config: Config,
    pub keyring: Arc<Keyring>,
    pub gateway: Gateway,
    pub sandbox: bool,
    /// The journal, opened by the first send or history call.
    pub journal: std::sync::OnceLock<crate::send::SharedJournal>,
}

impl Bridge {
    /// The bridge over `config.data_dir`, talking to `config.gateway.url`.
    pub fn open(config: Config, sandbox: bool) -> anyhow::Result<Bridge> {
        crate::fsutil::create_private_dir(&config.data_dir).with_context(|| {
            format!(
                "failed to create data dir {}; choose a writable one with --data-dir or \
                 SMS_BRIDGE_DATA_DIR",
                config.data_dir.display()
            )
        })?;
        let secrets = Secrets::open(&config.data_dir, config.credentials.store);
        let keyring = Arc::new(Keyring::new(&config.data_dir, secrets));
        let guard = Guard::new(&config.data_dir);
        let gateway = Gateway::new(&config.gateway, guard)?;
        let journal = std::sync::OnceLock::new();
        Ok(Bridge {
            config,
            keyring,
            gateway,
            sandbox,
            journal,
        })
    }

    /// The status as it is now.
    pub fn status(&self) -> anyhow::Result<crate::status::Status> {
        let records = self.keyring.records()?;
        let guard = self
            .gateway
            .guard()
            .snapshot()
            .map_err(|cause| anyhow::anyhow!("failed to read the lockout memory: {cause}"))?;
        let leaf_expires = crate::tls::leaf_expiry(&self.config.data_dir);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Ok(crate::status::status(&crate::status::Inputs {
            config: &self.config,
            records: &records,
            guard: &guard,
            sandbox: self.sandbox,
            leaf_expires,
            now,
        }))
    }
}
