//! Black-box tests of the user guard: the bridge serves the account it runs as and refuses
//! programs of other accounts of this computer, on every route and both loopback
//! addresses. The other account is uid 65534 (nobody); switching to it needs root, so
//! those tests say why and check nothing when not run as root. Only Linux tells the
//! bridge who opened a connection, so only Linux runs them.
#![cfg(target_os = "linux")]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Bridge, command, free_port, page_token};
use serde_json::Value;

const NOBODY: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A program on PATH; as root, a missing one fails the test with what to install.
fn tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("{name} is missing; install it with `apt-get install util-linux curl`")
        })
}

/// The loopback addresses the bridge listens on: 127.0.0.1, and ::1 where the machine
/// has IPv6.
fn addresses(bridge: &Bridge) -> Vec<&'static str> {
    let mut addresses = vec!["127.0.0.1"];
    if std::net::TcpStream::connect(("::1", bridge.port)).is_ok() {
        addresses.push("::1");
    }
    addresses
}

/// A world-readable copy of the bridge's CA, for a client of another account (the data
/// dir is the owner's alone).
struct SharedCa {
    _dir: tempfile::TempDir,
    file: PathBuf,
}

impl SharedCa {
    fn of(bridge: &Bridge) -> SharedCa {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let file = dir.path().join("ca.crt");
        std::fs::write(&file, bridge.ca_pem()).unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        SharedCa { _dir: dir, file }
    }
}

/// One request by curl running as uid 65534, to `address`, with the bridge's own Host.
/// Returns the status and the JSON body (or the body as a string).
fn curl_as_nobody(
    bridge: &Bridge,
    ca: &Path,
    address: &str,
    request: &[&str],
    path: &str,
) -> (u16, Value) {
    let resolve = match address.contains(':') {
        true => format!("localhost:{}:[{address}]", bridge.port),
        false => format!("localhost:{}:{address}", bridge.port),
    };
    let nobody = NOBODY.to_string();
    let output = Command::new(tool("setpriv"))
        .arg(format!("--reuid={nobody}"))
        .arg(format!("--regid={nobody}"))
        .arg("--clear-groups")
        .arg(tool("curl"))
        .args(["-sS", "--noproxy", "*", "--cacert"])
        .arg(ca)
        .args(["--resolve", &resolve, "-w", "\n%{http_code}"])
        .args(request)
        .arg(bridge.url(path))
        .output()
        .expect("run setpriv and curl");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "curl as uid {nobody} to {address} failed ({}): {}{}",
        output.status,
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    let (body, status) = stdout.rsplit_once('\n').expect("curl wrote the status");
    let body = serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_string()));
    (status.parse().expect("a status code"), body)
}

fn assert_foreign_user(status: u16, body: &Value, what: &str) {
    assert_eq!(status, 403, "{what}: {body}");
    assert_eq!(body["error"]["code"], "foreign_user", "{what}: {body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("--port"), "{what}: {message}");
}

#[tokio::test]
async fn the_owners_own_requests_pass() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = Bridge::start(dir.path(), &[]);

    for address in addresses(&bridge) {
        let client = bridge.client();
        let host = match address.contains(':') {
            true => format!("[{address}]"),
            false => address.to_string(),
        };
        let url = format!("https://{host}:{}/taskpane.html", bridge.port);
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
    }
    let (status, body) = bridge
        .api(reqwest::Method::GET, "/api/status", None, &[])
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn another_users_requests_are_refused_on_every_route() {
    if !is_root() {
        eprintln!("skipped: only root can run a client as another user (uid {NOBODY})");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bridge = Bridge::start(dir.path(), &[]);
    let ca = SharedCa::of(&bridge);
    let token = page_token(&bridge).await;
    let token_header = format!("X-SMS-Bridge-Token: {token}");
    let send = [
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "-H",
        &token_header,
        "--data",
        r#"{"to": ["+491701234567"], "text": "hi"}"#,
    ];

    for address in addresses(&bridge) {
        for path in [
            "/taskpane.html",
            "/manifest.xml",
            "/api/health",
            "/no-such-file",
        ] {
            let (status, body) = curl_as_nobody(&bridge, &ca.file, address, &[], path);
            assert_foreign_user(status, &body, &format!("GET {path} via {address}"));
        }
        let (status, body) = curl_as_nobody(&bridge, &ca.file, address, &send, "/api/sms");
        assert_foreign_user(status, &body, &format!("POST /api/sms via {address}"));
    }
    bridge.log_line(&format!("from uid {NOBODY}, another user of this computer"));
}

#[tokio::test]
async fn root_is_refused_by_a_bridge_of_another_user() {
    if !is_root() {
        eprintln!("skipped: only root can start a bridge as another user (uid {NOBODY})");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let port = free_port();
    let mut serve = command(dir.path());
    serve
        .args(["serve", "--port", &port.to_string()])
        .uid(NOBODY)
        .gid(NOBODY);
    let bridge = Bridge::spawn(serve, port, dir.path());
    let ca = SharedCa::of(&bridge);

    let response = bridge
        .client()
        .get(bridge.url("/taskpane.html"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_foreign_user(status, &body, "root's GET /taskpane.html");

    let (status, body) = curl_as_nobody(&bridge, &ca.file, "127.0.0.1", &[], "/taskpane.html");
    assert_eq!(status, 200, "the owner's own GET /taskpane.html: {body}");
}
