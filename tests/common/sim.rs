//! Fixtures for tests that talk to the simulator in-process: one known account, a gateway
//! configuration pointing at it, and credentials.
use std::sync::Arc;

use sms_bridge::clock::AdjustableClock;
use sms_bridge::config::{GatewaySection, GatewayUrl};
use sms_bridge::gateway::{Credential, Gateway};
use sms_bridge::guard::Guard;
use sms_bridge::simulator::{SimAccount, SimOptions, Simulator, SimulatorHandle};
use zeroize::Zeroizing;

pub const CLIENT_ID: &str = "1234567";
pub const KEY: &str = "e3f3a759b6677959b6ebfc0123456789";
pub const WRONG_KEY: &str = "00000000000000000000000000000bad";
/// Where the frozen test clocks start.
pub const T0: i64 = 1_800_000_000;

/// reqwest is built without a crypto provider; every test process installs ring once.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A simulator on a free port with the test account, on a frozen clock.
pub async fn simulator() -> (SimulatorHandle, Arc<AdjustableClock>) {
    let clock = AdjustableClock::frozen(T0);
    let options = SimOptions {
        accounts: vec![SimAccount::new(CLIENT_ID, KEY)],
        clock: clock.clone(),
        ..SimOptions::default()
    };
    let handle = Simulator::start(options).await.expect("simulator starts");
    (handle, clock)
}

pub fn section(url: &str, timeout_s: u64) -> GatewaySection {
    GatewaySection {
        url: GatewayUrl::parse(url).expect("loopback URL"),
        ca_file: None,
        timeout_s,
        connect_timeout_s: 1,
        concurrency: 4,
    }
}

/// A gateway to `sim` whose guard remembers in `data_dir`, as one CLI run would build it.
pub fn gateway(sim: &SimulatorHandle, data_dir: &std::path::Path) -> Gateway {
    install_crypto();
    Gateway::new(&section(sim.base_url(), 5), Guard::new(data_dir)).expect("client builds")
}

pub fn credential(key_id: &str, key: &str) -> Credential {
    Credential {
        key_id: key_id.to_string(),
        label: format!("label-{key_id}"),
        client_id: CLIENT_ID.to_string(),
        key: Zeroizing::new(key.to_string()),
    }
}

/// A plain HTTP client for raw requests to the simulator.
pub fn http() -> reqwest::Client {
    install_crypto();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}
