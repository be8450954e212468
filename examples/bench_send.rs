//! Benchmarks of sending (see BENCHMARKS.md): the latency the bridge adds to one message
//! over calling the simulator directly, and a 1,000-recipient send against a simulator
//! that answers each message in 50 ms. Runs the release binary as `serve` against an
//! in-process simulator on loopback.
//!
//! `cargo build --release && cargo run --release --example bench_send`

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use sms_bridge::simulator::{Action, Misbehaviour, SimAccount, SimOptions, Simulator};

const ACCOUNT: (&str, &str) = ("1234567", "e3f3a759b6677959b6ebfc0123456789");
/// Sends measured one by one; the rate limit of `POST /api/sms` allows this many at once.
const SAMPLES: usize = 10;

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let options = SimOptions {
        accounts: vec![SimAccount {
            balance: 1e9,
            ..SimAccount::new(ACCOUNT.0, ACCOUNT.1)
        }],
        ..SimOptions::default()
    };
    let sim = Simulator::start(options).await.expect("simulator starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let mut bridge =
        Command::new(env!("CARGO_MANIFEST_DIR").to_string() + "/target/release/sms-bridge")
            .args([
                "--data-dir",
                dir.path().to_str().unwrap(),
                "serve",
                "--port",
                &port.to_string(),
            ])
            .env("SMS_BRIDGE_GATEWAY__URL", sim.base_url())
            .env("SMS_BRIDGE_CREDENTIALS__STORE", "file")
            .env("SMS_BRIDGE_SMS__MAX_RECIPIENTS", "1000")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("release binary built");
    let stdout = bridge.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    while let Some(Ok(line)) = lines.next() {
        if line.starts_with("listening on") {
            break;
        }
    }

    let ca = std::fs::read(dir.path().join("tls/ca.crt")).unwrap();
    let token = std::fs::read_to_string(dir.path().join("api-token")).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .no_proxy()
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let api = |path: &str| format!("https://localhost:{port}{path}");
    let key = format!("{}:{}", ACCOUNT.0, ACCOUNT.1);
    let added = client
        .post(api("/api/keys"))
        .header("X-SMS-Bridge-Token", &token)
        .json(&json!({ "key": key }))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);

    let direct = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut through_bridge = Vec::new();
    let mut straight = Vec::new();
    for i in 0..SAMPLES {
        let started = Instant::now();
        let response = client
            .post(api("/api/sms"))
            .header("X-SMS-Bridge-Token", &token)
            .header("Idempotency-Key", format!("bench-{i}"))
            .json(&json!({ "text": "Hallo", "to": ["+491701234567"], "sender_id": "Bench" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap();
        through_bridge.push(started.elapsed());

        let started = Instant::now();
        let response = direct
            .post(format!("{}/sms", sim.base_url()))
            .header("X-LOX24-AUTH-TOKEN", &key)
            .json(&json!({ "text": "Hallo", "phone": "+491701234567", "sender_id": "Bench" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.bytes().await.unwrap();
        straight.push(started.elapsed());
    }
    let mut health = Vec::new();
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let response = client.get(api("/api/health")).send().await.unwrap();
        response.bytes().await.unwrap();
        health.push(started.elapsed());
    }
    let (bridge_p50, direct_p50) = (median(&mut through_bridge), median(&mut straight));
    let health_p50 = median(&mut health);
    println!(
        "GET /api/health (a new TLS connection, no work): p50 {:.2} ms",
        ms(health_p50)
    );
    println!(
        "one message through the bridge: p50 {:.2} ms",
        ms(bridge_p50)
    );
    println!(
        "one message straight to the simulator: p50 {:.2} ms",
        ms(direct_p50)
    );
    println!(
        "added by the bridge: p50 {:.2} ms",
        ms(bridge_p50) - ms(direct_p50)
    );

    sim.sim().misbehave(Misbehaviour {
        action: Action::Delay,
        method: Some("POST".into()),
        path: Some("/sms".into()),
        delay_ms: 50,
        status: None,
        process: true,
        times: None,
    });
    // The measured sends used up the burst of POST /api/sms; wait for the next token.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let to: Vec<String> = (0..1000).map(|i| format!("+4917012{i:05}")).collect();
    let started = Instant::now();
    let response = client
        .post(api("/api/sms"))
        .header("X-SMS-Bridge-Token", &token)
        .json(&json!({ "text": "Hallo", "to": to, "sender_id": "Bench", "max_recipients": 1000 }))
        .send()
        .await
        .unwrap();
    let report: serde_json::Value = response.json().await.unwrap();
    let elapsed = started.elapsed();
    assert!(
        report["results"].is_array(),
        "the bulk send failed: {report}"
    );
    let sent = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] == "sent")
        .count();
    let in_flight = sms_bridge::guard::MAX_REJECTIONS as f64;
    let ideal = 1000.0 * 0.050 / in_flight;
    println!(
        "1000 recipients at 50 ms each: {sent} sent in {:.1} s; {in_flight} in flight allow \
         {ideal:.1} s, so {:.0} % of what the concurrency allows",
        elapsed.as_secs_f64(),
        100.0 * ideal / elapsed.as_secs_f64()
    );
    let _ = bridge.kill();
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
