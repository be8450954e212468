//! A stand-in for the LOX24 REST API on `http://127.0.0.1:PORT`, for tests, for
//! `serve --sandbox` and for trying the bridge without a LOX24 account. It implements the
//! documented behaviour (both auth header forms, the per-IP block after bad credentials,
//! validation with violations, balance and prices, JSON or JSON-LD, dry runs, status
//! progression, list, delete and batch cancel), records every request, and misbehaves on
//! request. Nothing it accepts is ever delivered, and it listens on loopback only.
//!
//! Start it in-process with [`Simulator::start`], or as `sms-bridge simulator`
//! ([`run_command`]). The LOX24 behaviour is in `state`, body checks in `checks`, the
//! independent segment count in `segments`, HTTP glue in `api`, test controls under
//! `/_sim/` in `control` (documented in `docs/simulator.md`).

mod api;
mod checks;
mod control;
mod segments;
mod state;

use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, HttpServer, web};
use futures_util::future::LocalBoxFuture;

pub use state::{
    AccountUpdate, AccountView, Action, DRY_RUN_UUID, DeliveryUpdate, FAILURE_WINDOW_S,
    FAILURES_TOLERATED, HAND_OVER_S, IP_BLOCK_S, KeyView, Misbehaviour, REPORT_S, RecordedRequest,
    Sim, SimAccount,
};

use crate::cli::UsageError;
use crate::clock::AdjustableClock;

/// How to start a simulator.
#[derive(Clone)]
pub struct SimOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub accounts: Vec<SimAccount>,
    /// The clock for IP blocks, timestamps and status progression; tests keep a clone to
    /// move it on.
    pub clock: Arc<AdjustableClock>,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            port: 0,
            accounts: Vec::new(),
            clock: AdjustableClock::system(),
        }
    }
}

/// What every worker of the HTTP server shares.
pub(crate) struct SimApp {
    sim: Arc<Sim>,
}

/// The LOX24 simulator.
pub struct Simulator;

/// A running simulator. Dropping it leaves the server running until the runtime ends;
/// call [`stop`](SimulatorHandle::stop) to end it.
pub struct SimulatorHandle {
    base_url: String,
    port: u16,
    sim: Arc<Sim>,
    server: actix_web::dev::ServerHandle,
}

impl Simulator {
    /// Binds 127.0.0.1 and starts serving on the current tokio runtime.
    pub async fn start(options: SimOptions) -> std::io::Result<SimulatorHandle> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, options.port))?;
        let port = listener.local_addr()?.port();
        let sim = Arc::new(Sim::new(&options.accounts, options.clock));
        let app = web::Data::new(SimApp { sim: sim.clone() });

        let server = HttpServer::new(move || {
            App::new()
                .app_data(app.clone())
                .wrap_fn(move |request, service| -> LocalBoxFuture<'static, _> {
                    if api::host_allowed(&request, port) {
                        let answer = service.call(request);
                        Box::pin(
                            async move { answer.await.map(ServiceResponse::map_into_boxed_body) },
                        )
                    } else {
                        let refused = request.into_response(api::misdirected());
                        Box::pin(async move { Ok(refused.map_body(|_, b| b.boxed())) })
                    }
                })
                .configure(control::routes)
                .default_service(web::to(api::lox24))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run();
        let handle = server.handle();
        tokio::spawn(server);

        Ok(SimulatorHandle {
            base_url: format!("http://127.0.0.1:{port}"),
            port,
            sim,
            server: handle,
        })
    }
}

impl SimulatorHandle {
    /// `http://127.0.0.1:PORT`, to use as `gateway.url`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The test controls: request log, misbehaviour, clock, accounts, message states.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// Stops accepting connections and ends the server.
    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}

/// `sms-bridge simulator`: serves until SIGINT or SIGTERM. Without `--account` it makes
/// one account with a generated key and prints it.
pub fn run_command(port: u16, accounts: &[String]) -> anyhow::Result<()> {
    let given = !accounts.is_empty();
    let accounts = if given {
        accounts
            .iter()
            .map(|spec| parse_account(spec))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        let key = hex::encode(rand::random::<[u8; 16]>());
        vec![SimAccount::new("1234567", &key)]
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let options = SimOptions {
            port,
            accounts: accounts.clone(),
            ..SimOptions::default()
        };
        let handle = Simulator::start(options)
            .await
            .map_err(|e| anyhow::anyhow!("failed to listen on 127.0.0.1:{port}: {e}"))?;
        println!("simulator listening on {}", handle.base_url());
        for account in &accounts {
            let key = if given {
                crate::gateway::mask(&account.key)
            } else {
                account.key.clone()
            };
            println!(
                "account {}:{key} (balance {:.2} {}, {} per part, services {})",
                account.client_id,
                account.balance,
                account.currency,
                account.rate,
                account.services.join(", ")
            );
        }
        println!(
            "SIMULATOR: nothing is delivered; test controls under {}/_sim/",
            handle.base_url()
        );
        shutdown_signal().await?;
        handle.stop().await;
        Ok(())
    })
}

/// `CLIENT_ID:KEY` with a numeric client id. The key is never repeated in the error.
fn parse_account(spec: &str) -> Result<SimAccount, UsageError> {
    let refused = || {
        UsageError(
            "--account takes CLIENT_ID:KEY, a numeric client id, a colon and a key without \
             spaces, e.g. --account 1234567:0123456789abcdef"
                .to_string(),
        )
    };
    let (client_id, key) = spec.split_once(':').ok_or_else(refused)?;
    let numeric = !client_id.is_empty() && client_id.bytes().all(|b| b.is_ascii_digit());
    let plain_key = !key.is_empty() && key.bytes().all(|b| b.is_ascii_graphic());
    if !numeric || !plain_key {
        return Err(refused());
    }
    Ok(SimAccount::new(client_id, key))
}

async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = terminate.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_specs_need_a_numeric_id_and_a_key() {
        let account = parse_account("1234567:abc:def").unwrap();
        assert_eq!(
            (account.client_id.as_str(), account.key.as_str()),
            ("1234567", "abc:def")
        );
        for spec in [
            "1234567",
            "abc:key",
            ":key",
            "1234567:",
            "1234567:with space",
        ] {
            let error = parse_account(spec).unwrap_err();
            assert!(!error.0.contains("with space"), "{spec}");
        }
    }
}
