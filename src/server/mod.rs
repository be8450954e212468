//! `sms-bridge serve`: the HTTPS server on 127.0.0.1 and ::1. This file owns start-up
//! (data dir, certificates, token, sockets) and shutdown; the route table is in
//! [`routes`], the access checks in [`access`], sizes, rates and timeouts in [`limits`],
//! which user a connection comes from in [`peer`], the pane's files in [`assets`].

pub mod access;
pub mod assets;
pub mod error;
pub mod keys;
pub mod limits;
pub mod messages;
pub mod peer;
pub mod routes;

use std::io::{self, Write};
use std::net::{Ipv6Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;

use actix_web::http::KeepAlive;
use actix_web::{App, HttpServer, web};
use anyhow::Context;

use crate::bridge::Bridge;
use crate::cli::ServeArgs;
use crate::config::Config;
use crate::fsutil::create_private_dir;
use access::ApiToken;

/// How long in-flight requests may take to finish after SIGINT or SIGTERM.
const SHUTDOWN_GRACE_S: u64 = 4;

/// How often, and how far apart, reconciliation is tried after start.
const RECONCILE_TRIES: u32 = 20;
const RECONCILE_PAUSE_S: u64 = 15;

/// What every request handler can see.
pub struct State {
    pub port: u16,
    pub token: ApiToken,
    pub limits: limits::RateLimits,
    pub web: assets::Source,
    pub bridge: Arc<Bridge>,
}

/// Runs the server until SIGINT or SIGTERM.
pub fn run(config: Config, args: ServeArgs) -> anyhow::Result<()> {
    let port = config.server.port.get();
    log_locations(&config);

    if !peer::CAN_TELL_USERS {
        tracing::info!(
            "this OS does not say which user a loopback connection comes from; other \
             accounts on this computer can use the bridge"
        );
    }

    prepare_data_dir(&config.data_dir)?;
    let identity = crate::tls::ensure(&config.data_dir, time::OffsetDateTime::now_utc())?;
    let token = ApiToken::load_or_create(&config.data_dir)?;
    let listeners = bind(port)?;
    let tls = identity.server_config()?;
    let web = match args.web_dir {
        Some(dir) => {
            tracing::info!("serving the pane from {}", dir.display());
            assets::Source::Dir(dir)
        }
        None => assets::Source::Embedded,
    };

    actix_web::rt::System::new().block_on(async move {
        let (bridge, simulator) = open_bridge(config, args.sandbox).await?;
        prepare_keys(&bridge).await;
        let state = web::Data::new(State {
            port,
            token,
            limits: limits::RateLimits::new(std::time::Instant::now()),
            web,
            bridge: bridge.clone(),
        });

        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .configure(routes::configure)
        })
        .workers(limits::WORKERS)
        .max_connections(limits::CONNECTIONS_PER_WORKER)
        .max_connection_rate(limits::HANDSHAKES_PER_WORKER)
        .tls_handshake_timeout(limits::TLS_HANDSHAKE_TIMEOUT)
        .client_request_timeout(limits::REQUEST_HEAD_TIMEOUT)
        .client_disconnect_timeout(limits::DISCONNECT_TIMEOUT)
        .keep_alive(KeepAlive::Disabled)
        .shutdown_timeout(SHUTDOWN_GRACE_S)
        .disable_signals();
        for listener in listeners {
            server = server
                .listen_rustls_0_23(listener, tls.clone())
                .context("failed to start the HTTPS listener")?;
        }
        let signals = Signals::install()?;
        let running = server.run();
        actix_web::rt::spawn(stop_on_signal(running.handle(), signals));
        actix_web::rt::spawn(reconcile(bridge));

        if let Some(simulator) = &simulator {
            println!("{}", crate::sandbox::banner());
            println!(
                "sandbox simulator: {} (test controls under /_sim/)",
                simulator.base_url()
            );
        }
        println!("listening on https://localhost:{port}");
        let _ = io::stdout().flush();
        let result = running.await.context("the server stopped with an error");
        if let Some(simulator) = simulator {
            simulator.stop().await;
        }
        result
    })?;

    tracing::info!("stopped");
    Ok(())
}

/// The bridge for real use, or for the sandbox with its simulator.
async fn open_bridge(
    config: Config,
    sandbox: bool,
) -> anyhow::Result<(Arc<Bridge>, Option<crate::simulator::SimulatorHandle>)> {
    if !sandbox {
        return Ok((Arc::new(Bridge::open(config, false)?), None));
    }
    let simulator = crate::sandbox::start().await?;
    tracing::info!("sandbox simulator at {}", simulator.base_url());
    let config = crate::sandbox::config(config, simulator.base_url())?;
    tracing::warn!(
        "SANDBOX: no SMS is delivered; data in {}",
        config.data_dir.display()
    );
    Ok((Arc::new(Bridge::open(config, true)?), Some(simulator)))
}

/// Moves a password from old settings into the store and warns about a legacy key.
async fn prepare_keys(bridge: &Bridge) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let migration = crate::keys::legacy::migrate_config_password(
        &bridge.config,
        bridge.keyring.clone(),
        &bridge.gateway,
        now,
    )
    .await;
    match migration {
        Ok(Some(migration)) => {
            if let crate::keys::legacy::Cleanup::Manual(instruction) = migration.cleanup {
                tracing::warn!("account.password is still in the settings: {instruction}");
            }
        }
        Ok(None) => {}
        Err(error) => tracing::warn!("{error}"),
    }
    if let Ok(status) = bridge.status() {
        for warning in status.warnings.iter().filter(|w| w.code != "sandbox") {
            tracing::warn!("{}: {}; {}", warning.code, warning.message, warning.action);
        }
    }
}

/// Settles deliveries left open by a crash or a timeout: at start, and again a little
/// later while LOX24 or the guard keeps some of them open.
async fn reconcile(bridge: Arc<Bridge>) {
    match crate::history::forget_old(&bridge).await {
        Ok(0) => {}
        Ok(forgotten) => tracing::info!("journal: forgot {forgotten} messages past retention"),
        Err(error) => tracing::warn!("journal: old messages not forgotten: {error}"),
    }
    for _ in 0..RECONCILE_TRIES {
        match crate::history::reconcile_all(&bridge).await {
            Ok(0) => {}
            Ok(settled) => tracing::info!("journal: reconciled {settled} open deliveries"),
            Err(error) => tracing::warn!("journal: reconciliation postponed: {error}"),
        }
        match crate::history::open_deliveries(&bridge).await {
            Ok(0) => return,
            Ok(_) => tokio::time::sleep(std::time::Duration::from_secs(RECONCILE_PAUSE_S)).await,
            Err(error) => {
                tracing::warn!("journal: {error}");
                return;
            }
        }
    }
}

/// Runs work that talks to LOX24 to its end even when the client goes away: a send cut
/// off half-way would leave recipients unsent until the next start, and abandoned
/// requests would hold the lockout guard's slots.
pub async fn detached<T: 'static>(
    work: impl std::future::Future<Output = T> + 'static,
) -> Result<T, error::ApiError> {
    actix_web::rt::spawn(work).await.map_err(|cause| {
        tracing::error!("api: a request's work failed: {cause}");
        error::ApiError::new(
            error::Kind::Internal,
            "internal",
            "the bridge failed; try again",
        )
    })
}

/// Lets in-flight requests finish once SIGINT or SIGTERM (Ctrl+C on Windows) arrives.
/// The handlers are installed before the server says it is listening, so a signal sent
/// right after that line is never lost.
async fn stop_on_signal(server: actix_web::dev::ServerHandle, signals: Signals) {
    signals.wait().await;
    tracing::info!("stopping: finishing requests in flight");
    server.stop(true).await;
}

#[cfg(unix)]
struct Signals(tokio::signal::unix::Signal, tokio::signal::unix::Signal);

#[cfg(unix)]
impl Signals {
    fn install() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = signal(SignalKind::terminate()).context("failed to handle SIGTERM")?;
        let interrupt = signal(SignalKind::interrupt()).context("failed to handle SIGINT")?;
        Ok(Signals(terminate, interrupt))
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.0.recv() => {},
            _ = self.1.recv() => {},
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn install() -> anyhow::Result<Signals> {
        Ok(Signals)
    }

    async fn wait(self) {
        if tokio::signal::ctrl_c().await.is_err() {
            tracing::warn!("cannot listen for Ctrl+C; stop the bridge by ending its process");
            std::future::pending::<()>().await;
        }
    }
}

fn log_locations(config: &Config) {
    match &config.file {
        Some(file) => tracing::info!("config file: {}", file.display()),
        None => tracing::info!("config file: none (defaults and environment)"),
    }
    tracing::info!("data dir: {}", config.data_dir.display());
    tracing::info!(
        "CA certificate: {}",
        crate::tls::ca_cert_path(&config.data_dir).display()
    );
}

fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    create_private_dir(dir).with_context(|| {
        format!(
            "failed to create data dir {}; choose a writable one with --data-dir or \
             SMS_BRIDGE_DATA_DIR",
            dir.display()
        )
    })?;
    let probe = dir.join(".write-test");
    crate::fsutil::write_atomic(&probe, b"", crate::fsutil::Access::OwnerOnly)
        .and_then(|()| std::fs::remove_file(&probe))
        .with_context(|| {
            format!(
                "failed to write into data dir {}; choose a writable one with --data-dir or \
                 SMS_BRIDGE_DATA_DIR",
                dir.display()
            )
        })
}

/// Listens on 127.0.0.1 and ::1 at one port. A machine without IPv6 gets IPv4 only.
fn bind(port: u16) -> anyhow::Result<Vec<TcpListener>> {
    let v4 = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .map_err(|e| bind_error(e, "127.0.0.1", port))?;
    let mut listeners = vec![v4];

    match TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))) {
        Ok(v6) => listeners.push(v6),
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => return Err(bind_error(e, "::1", port)),
        Err(e) => tracing::warn!("not listening on [::1]:{port} ({e}); IPv4 only"),
    }
    Ok(listeners)
}

fn bind_error(error: io::Error, address: &str, port: u16) -> anyhow::Error {
    if error.kind() == io::ErrorKind::AddrInUse {
        anyhow::anyhow!(
            "failed to listen on {address} port {port}: the port is in use (is sms-bridge already \
             running?); stop the other program, or choose another port with --port N or \
             `port = N` under [server] in config.toml, then install the manifest again"
        )
    } else {
        anyhow::anyhow!("failed to listen on {address} port {port}: {error}")
    }
}
