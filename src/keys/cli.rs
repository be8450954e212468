//! The `key` and `status` commands: reading a secret from the terminal (without echo) or
//! from standard input, calling the key setup, and printing the result in plain words or
//! JSON. They work on the data dir and the store directly, whether or not `serve` runs.

use anyhow::Context;
use clap::Subcommand;
use std::io::{BufRead, IsTerminal};
use zeroize::Zeroizing;

use super::legacy::{self, Cleanup, MigrationError};
use super::secret::{self, Secret};
use super::setup::{self, NewKey, SetupError};
use super::{KeyError, KeyRecord, KeyView, Origin};
use crate::bridge::Bridge;
use crate::cli::UsageError;
use crate::status::Status;

#[derive(Subcommand, Debug, Clone)]
pub enum KeyCommand {
    /// Verify a LOX24 API key with LOX24 and store it as the active key. The key is read
    /// without echo from the terminal, or as one line from standard input; `CLIENT_ID:KEY`
    /// as the LOX24 account shows it is accepted.
    Add {
        /// Your LOX24 customer number, if the key line does not start with it.
        #[arg(long, value_name = "ID")]
        client_id: Option<String>,
        /// A name for the key, e.g. the account it belongs to.
        #[arg(long, value_name = "TEXT", default_value = "")]
        label: String,
        /// The line is your LOX24 account password: the bridge derives the old key from it
        /// (MD5) and stores only that key.
        #[arg(long)]
        password: bool,
    },
    /// List the stored keys (masked).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Make a stored key the active one.
    Use { id: String },
    /// Remove a stored key from the bridge (it stays valid at LOX24 until you delete it there).
    Remove { id: String },
    /// Ask LOX24 again whether a stored key works.
    Verify { id: String },
    /// Check whether a stored key is the one LOX24 derived from an account password.
    CheckPassword { id: String },
}

/// `sms-bridge key …`.
pub fn run_key(mut bridge: Bridge, command: KeyCommand) -> anyhow::Result<()> {
    let runtime = runtime()?;
    let now = now();
    match command {
        KeyCommand::Add {
            client_id,
            label,
            password,
        } => {
            let prompt = if password {
                "LOX24 account password: "
            } else {
                "LOX24 API key: "
            };
            let line = read_secret(prompt)?;
            let configured = bridge.config.account.client_id.clone();
            let entered = if password {
                secret::parse_password_entry(&line, client_id.as_deref(), configured.as_deref())
            } else {
                secret::parse_key_entry(&line, client_id.as_deref(), configured.as_deref())
            }
            .map_err(|e| UsageError(e.message))?;
            let origin = if password {
                Origin::AccountPassword
            } else {
                Origin::ApiKey
            };
            let new = NewKey {
                label,
                entered,
                origin,
            };
            let added = runtime
                .block_on(setup::add(
                    bridge.keyring.clone(),
                    &bridge.gateway,
                    new,
                    now,
                ))
                .map_err(setup_error)?;
            for note in &added.notes {
                println!("note: {note}");
            }
            println!(
                "verified and stored {}; it is now the active key",
                describe(&added.record)
            );
            print_account(&added.record);
            if added.record.origin == Origin::AccountPassword {
                print_legacy_advice();
            }
            Ok(())
        }
        KeyCommand::List { json } => {
            migrate(&mut bridge, &runtime, json)?;
            let records = bridge.keyring.records()?;
            if json {
                let active = records.active.as_deref();
                let keys: Vec<_> = records
                    .keys
                    .iter()
                    .map(|k| KeyView::new(k, active))
                    .collect();
                let value = serde_json::json!({ "active": records.active, "keys": keys });
                println!("{}", serde_json::to_string_pretty(&value)?);
                return Ok(());
            }
            if records.keys.is_empty() {
                println!("no keys stored; add one with `sms-bridge key add`");
            }
            for record in &records.keys {
                let marker = if records.active.as_ref() == Some(&record.id) {
                    "*"
                } else {
                    " "
                };
                println!("{marker} {}", describe(record));
            }
            Ok(())
        }
        KeyCommand::Use { id } => {
            let record = bridge.keyring.activate(&id)?;
            println!("{} is now the active key", describe(&record));
            if record.origin == Origin::ApiKey {
                offer_legacy_removal(&bridge, &record)?;
            } else {
                print_legacy_advice();
            }
            Ok(())
        }
        KeyCommand::Remove { id } => {
            let (removed, active) = bridge.keyring.remove(&id)?;
            println!("removed {} from the bridge", describe(&removed));
            println!(
                "it still works at LOX24 until you delete it in the LOX24 account under Settings \
                 → API Settings"
            );
            match active {
                Some(active) => println!("the active key is now {}", describe(&active)),
                None => println!("no key is left; add one with `sms-bridge key add`"),
            }
            Ok(())
        }
        KeyCommand::Verify { id } => {
            let record = runtime
                .block_on(setup::verify(
                    bridge.keyring.clone(),
                    &bridge.gateway,
                    &id,
                    now,
                ))
                .map_err(setup_error)?;
            println!("LOX24 accepted {}", describe(&record));
            print_account(&record);
            Ok(())
        }
        KeyCommand::CheckPassword { id } => {
            let line = read_secret("LOX24 account password (current or old): ")?;
            let password = Secret::new(line.trim_end_matches(['\r', '\n']).to_string());
            if legacy::check_password(&bridge.keyring, &id, &password)? {
                println!("key {id} is the key LOX24 derived from this password");
                print_legacy_advice();
            } else {
                println!("key {id} is not derived from this password");
            }
            Ok(())
        }
    }
}

/// `sms-bridge status [--json]`.
pub fn run_status(mut bridge: Bridge, json: bool) -> anyhow::Result<()> {
    let runtime = runtime()?;
    migrate(&mut bridge, &runtime, json)?;
    let status = bridge.status()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print_status(&status);
    }
    Ok(())
}

/// Moves a password from old settings into the store, reporting what happened on stdout,
/// or on stderr when stdout carries JSON. Once the password is out of the config file,
/// this run's status no longer warns that it is there.
pub fn migrate(
    bridge: &mut Bridge,
    runtime: &tokio::runtime::Runtime,
    json: bool,
) -> anyhow::Result<()> {
    let report = |text: String| {
        if json {
            eprintln!("sms-bridge: {text}");
        } else {
            println!("{text}");
        }
    };
    let migration = runtime.block_on(legacy::migrate_config_password(
        &bridge.config,
        bridge.keyring.clone(),
        &bridge.gateway,
        now(),
    ));
    match migration {
        Ok(None) => {}
        Ok(Some(migration)) => {
            if migration.stored_now {
                report(format!(
                    "moved the account password from the settings into the key store as {}",
                    describe(&migration.record)
                ));
            }
            match migration.cleanup {
                Cleanup::Removed(path) => {
                    report(format!("removed the password from {}", path.display()));
                    bridge.config.account.password = None;
                }
                Cleanup::Manual(instruction) => eprintln!("sms-bridge: warning: {instruction}"),
            }
        }
        Err(error @ MigrationError::NoClientId(_)) => {
            return Err(UsageError(error.to_string()).into());
        }
        Err(error) => eprintln!("sms-bridge: warning: {error}"),
    }
    Ok(())
}

fn print_status(status: &Status) {
    if status.sandbox {
        println!("SANDBOX: no SMS is delivered");
    }
    match &status.active_key {
        Some(key) => println!(
            "active key: '{}' (id {}, client {}, {}, {}, {})",
            key.label, key.id, key.client_id, key.masked, key.origin, key.state
        ),
        None => println!("no key set up; add one with `sms-bridge key add`"),
    }
    if let Some(account) = &status.account {
        println!(
            "account: balance {:.2} {} at the last verification; services: {}",
            account.balance,
            account.currency,
            account.services.join(", ")
        );
    }
    for warning in &status.warnings {
        println!("warning ({}): {}", warning.code, warning.message);
        println!("  what to do: {}", warning.action);
    }
}

fn describe(record: &KeyRecord) -> String {
    format!(
        "key '{}' (id {}, client {}, {}, {})",
        record.label,
        record.id,
        record.client_id,
        record.masked(),
        record.origin.as_str()
    )
}

fn print_account(record: &KeyRecord) {
    if let Some(account) = &record.account {
        println!(
            "account: balance {:.2} {}; services: {}",
            account.balance,
            account.currency,
            account.services.join(", ")
        );
    }
}

fn print_legacy_advice() {
    println!(
        "warning: this key is derived from your LOX24 account password (MD5 of the web-login \
         password). Create a new API key in your LOX24 account under Settings → API Settings, \
         add it here with `sms-bridge key add`, then delete the old key there."
    );
}

/// After switching to a real API key, points at keys still derived from the password.
fn offer_legacy_removal(bridge: &Bridge, active: &KeyRecord) -> anyhow::Result<()> {
    let records = bridge.keyring.records()?;
    for legacy in records
        .keys
        .iter()
        .filter(|k| k.origin == Origin::AccountPassword)
    {
        if legacy.id != active.id {
            println!(
                "{} is derived from the account password and no longer needed: remove it with \
                 `sms-bridge key remove {}`, and delete it in the LOX24 account",
                describe(legacy),
                legacy.id
            );
        }
    }
    Ok(())
}

fn setup_error(error: SetupError) -> anyhow::Error {
    match error {
        SetupError::Key(KeyError::Input { message, .. }) => UsageError(message).into(),
        other => anyhow::anyhow!("{other}"),
    }
}

/// One secret line: without echo from a terminal, else the first line of standard input.
fn read_secret(prompt: &str) -> anyhow::Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        let line = rpassword::prompt_password(prompt).context("failed to read the secret")?;
        return Ok(Zeroizing::new(line));
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("failed to read standard input")?;
    // The line break that ends the line is not part of what the user pasted.
    let end = line
        .strip_suffix("\r\n")
        .or(line.strip_suffix('\n'))
        .map(str::len);
    if let Some(end) = end {
        line.truncate(end);
    }
    Ok(line)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("failed to start the async runtime")
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
