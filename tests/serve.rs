//! Black-box tests of `sms-bridge serve`: HTTPS with the local CA on every loopback name,
//! certificate reuse, renewal and repair, the guards, port clashes, config errors and
//! shutdown.

mod common;

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use common::{Bridge, client_trusting, page_token, run};
use rcgen::{CertificateParams, Issuer, KeyPair};
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use time::OffsetDateTime;

fn pem_to_der(pem: &[u8]) -> CertificateDer<'static> {
    let mut reader = pem;
    rustls_pemfile::certs(&mut reader)
        .next()
        .expect("one certificate")
        .expect("PEM parses")
}

fn not_after(der: &[u8]) -> OffsetDateTime {
    let (_, cert) = x509_parser::parse_x509_certificate(der).expect("certificate parses");
    OffsetDateTime::from_unix_timestamp(cert.validity().not_after.timestamp()).unwrap()
}

#[tokio::test]
async fn pane_is_served_over_https_on_localhost_ipv4_and_ipv6() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = Bridge::start(dir.path(), &[]);
    let client = bridge.client();

    for host in ["localhost", "127.0.0.1", "[::1]"] {
        let url = format!("https://{host}:{}/taskpane.html", bridge.port);
        let response = client
            .get(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e:?}"));
        assert_eq!(response.status(), 200, "{url}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("frame-ancestors 'self' https://outlook.office.com"),
            "{csp}"
        );
        assert!(response.headers().get("x-frame-options").is_none());
        let page = response.text().await.unwrap();
        assert!(page.contains("<title>SMS via LOX24</title>"));
        assert!(
            !page.contains("{{api_token}}"),
            "the token placeholder is filled in"
        );
    }
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = Bridge::start(dir.path(), &[]);
    let other = tempfile::tempdir().unwrap();
    let stranger = Bridge::start(other.path(), &[]);

    let error = stranger
        .client()
        .get(bridge.url("/taskpane.html"))
        .send()
        .await
        .unwrap_err();
    let error = format!("{error:?}");
    assert!(
        error.contains("UnknownIssuer") || error.contains("BadSignature"),
        "{error}"
    );
}

#[tokio::test]
async fn icons_and_commands_page_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = Bridge::start(dir.path(), &[]);
    let client = bridge.client();

    let commands = client
        .get(bridge.url("/commands.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(commands.status(), 200);
    for size in [16u32, 32, 64, 80, 128] {
        let response = client
            .get(bridge.url(&format!("/assets/icon-{size}.png")))
            .send()
            .await;
        let response = response.unwrap();
        assert_eq!(response.status(), 200, "icon {size}");
        assert_eq!(response.headers()["content-type"], "image/png");
        assert!(
            response.headers().get("cache-control").is_none(),
            "icons carry no caching rule"
        );
        let png = response.bytes().await.unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((width, height), (size, size));
    }
}

#[tokio::test]
async fn restart_reuses_the_ca_and_the_leaf() {
    let dir = tempfile::tempdir().unwrap();
    let first = Bridge::start(dir.path(), &[]);
    let ca = first.ca_pem();
    let leaf = std::fs::read(dir.path().join("tls/localhost.crt")).unwrap();
    assert!(first.stop().success());

    let second = Bridge::start(dir.path(), &[]);
    assert_eq!(second.ca_pem(), ca);
    assert_eq!(
        std::fs::read(dir.path().join("tls/localhost.crt")).unwrap(),
        leaf
    );
    let response = client_trusting(&ca)
        .get(second.url("/taskpane.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

/// Issues a leaf for `names` from the CA in `dir`, valid until `until`.
fn leaf_from_stored_ca(
    dir: &std::path::Path,
    names: &[&str],
    until: OffsetDateTime,
) -> (String, String) {
    let ca_pem = std::fs::read_to_string(dir.join("tls/ca.crt")).unwrap();
    let ca_key =
        KeyPair::from_pem(&std::fs::read_to_string(dir.join("tls/ca.key")).unwrap()).unwrap();
    let issuer = Issuer::from_ca_cert_pem(&ca_pem, &ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params.not_before = OffsetDateTime::now_utc() - time::Duration::days(300);
    params.not_after = until;
    let cert = params.signed_by(&key, &issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

#[tokio::test]
async fn a_leaf_near_expiry_is_reissued_by_the_same_ca() {
    let dir = tempfile::tempdir().unwrap();
    let first = Bridge::start(dir.path(), &[]);
    let ca = first.ca_pem();
    first.stop();

    let soon = OffsetDateTime::now_utc() + time::Duration::days(10);
    let (cert, key) = leaf_from_stored_ca(dir.path(), &["localhost", "127.0.0.1", "::1"], soon);
    std::fs::write(dir.path().join("tls/localhost.crt"), cert).unwrap();
    std::fs::write(dir.path().join("tls/localhost.key"), key).unwrap();

    let second = Bridge::start(dir.path(), &[]);
    assert_eq!(
        second.ca_pem(),
        ca,
        "the CA is kept, so nothing must be trusted again"
    );
    let response = client_trusting(&ca)
        .get(second.url("/taskpane.html"))
        .send()
        .await
        .unwrap();
    let served = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .unwrap();
    let served = served.peer_certificate().unwrap().to_vec();
    let remaining = not_after(&served) - OffsetDateTime::now_utc();
    assert!(
        remaining > time::Duration::days(300),
        "new leaf runs {remaining}"
    );
    assert!(remaining <= time::Duration::days(825));
}

#[tokio::test]
async fn the_ca_is_name_constrained_and_rustls_refuses_its_certificate_for_another_site() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = Bridge::start(dir.path(), &[]);
    let ca_der = pem_to_der(&bridge.ca_pem());

    let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    let constraints = ca
        .name_constraints()
        .unwrap()
        .expect("name constraints present");
    assert!(constraints.critical);
    let permitted = constraints.value.permitted_subtrees.as_ref().unwrap();
    let names: Vec<String> = permitted.iter().map(|t| format!("{:?}", t.base)).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names[0].contains("localhost"), "{names:?}");

    let later = OffsetDateTime::now_utc() + time::Duration::days(100);
    let (evil_pem, _) = leaf_from_stored_ca(dir.path(), &["bank.example"], later);
    let evil = pem_to_der(evil_pem.as_bytes());
    let verifier = sms_bridge::tls::verifier_for(&ca_der).unwrap();
    let name = ServerName::try_from("bank.example").unwrap();
    let result = verifier.verify_server_cert(&evil, &[], &name, &[], UnixTime::now());
    let error = result.expect_err("a certificate for another site must be refused");
    assert!(format!("{error:?}").contains("NameConstraint"), "{error:?}");

    let (good_pem, _) = leaf_from_stored_ca(dir.path(), &["localhost"], later);
    let good = pem_to_der(good_pem.as_bytes());
    let name = ServerName::try_from("localhost").unwrap();
    verifier
        .verify_server_cert(&good, &[], &name, &[], UnixTime::now())
        .unwrap();
}

#[tokio::test]
async fn private_keys_are_readable_only_by_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let _bridge = Bridge::start(dir.path(), &[]);
    for file in ["tls/ca.key", "tls/localhost.key", "api-token"] {
        let mode = std::fs::metadata(dir.path().join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
}

#[tokio::test]
async fn corrupt_certificate_files_are_regenerated_with_a_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let first = Bridge::start(dir.path(), &[]);
    let old_ca = first.ca_pem();
    first.stop();

    let leaf = dir.path().join("tls/localhost.crt");
    let text = std::fs::read(&leaf).unwrap();
    std::fs::write(&leaf, &text[..text.len() / 2]).unwrap();
    let second = Bridge::start(dir.path(), &[]);
    assert_eq!(
        second.ca_pem(),
        old_ca,
        "a broken leaf does not cost the CA"
    );
    let response = second
        .client()
        .get(second.url("/taskpane.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let log = second.stderr_lines().join("\n");
    assert!(
        log.contains("localhost certificate") && log.contains("issuing a new one"),
        "{log}"
    );
    second.stop();

    std::fs::write(
        dir.path().join("tls/ca.key"),
        "-----BEGIN PRIVATE KEY-----\ngarbage\n",
    )
    .unwrap();
    let third = Bridge::start(dir.path(), &[]);
    assert_ne!(third.ca_pem(), old_ca);
    let response = third
        .client()
        .get(third.url("/taskpane.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let log = third.stderr_lines().join("\n");
    assert!(
        log.contains("generating a new CA, which must be trusted again"),
        "{log}"
    );

    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("tls"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no half-written files remain");
}

#[tokio::test]
async fn a_foreign_host_header_is_refused_on_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = Bridge::start(dir.path(), &[]);
    let client = bridge.client();
    let rebinding = format!("attacker.example:{}", bridge.port);
    let wrong_port = format!("localhost:{}", bridge.port.wrapping_add(1));

    for path in [
        "/taskpane.html",
        "/api/health",
        "/api/status",
        "/assets/icon-16.png",
    ] {
        for host in [rebinding.as_str(), wrong_port.as_str(), "localhost"] {
            let response = client
                .get(bridge.url(path))
                .header("Host", host)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 403, "{path} with Host {host}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "foreign_host");
        }
    }
}

#[tokio::test]
async fn api_routes_need_the_page_token_except_health() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = Bridge::start(dir.path(), &[]);
    let client = bridge.client();

    let health: serde_json::Value = client
        .get(bridge.url("/api/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));

    let bare = client
        .get(bridge.url("/api/anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 401);
    let wrong = client
        .get(bridge.url("/api/anything"))
        .header("X-SMS-Bridge-Token", "0".repeat(64));
    assert_eq!(wrong.send().await.unwrap().status(), 401);

    let token = page_token(&bridge).await;
    let with_token = client
        .get(bridge.url("/api/anything"))
        .header("X-SMS-Bridge-Token", &token);
    assert_eq!(
        with_token.send().await.unwrap().status(),
        404,
        "the token opens the API"
    );
}

#[tokio::test]
async fn traversal_in_asset_paths_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = Bridge::start(dir.path(), &[]);
    let client = bridge.client();
    for path in [
        "/assets/%2e%2e/%2e%2e/Cargo.toml",
        "/..%2fCargo.toml",
        "/.hidden",
        "/tls/ca.key",
    ] {
        let response = client.get(bridge.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
}

#[test]
fn a_taken_port_exits_1_and_names_the_port_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let holder = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).unwrap();
    let port = holder.local_addr().unwrap().port().to_string();

    let output = run(dir.path(), &["serve", "--port", &port]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("port {port}")), "{stderr}");
    assert!(stderr.contains("--port N"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_data_dir_that_cannot_be_created_exits_1_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "").unwrap();
    let output = common::command(&file.join("data"))
        .args(["serve", "--port", &common::free_port().to_string()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("failed to create data dir") && stderr.contains("--data-dir"),
        "{stderr}"
    );
}

#[test]
fn config_errors_name_the_key_and_the_file_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    let config = file.to_str().unwrap();

    std::fs::write(&file, "[server]\nprot = 1\n").unwrap();
    let output = run(dir.path(), &["--config", config, "config"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown key `server.prot`") && stderr.contains(config),
        "{stderr}"
    );

    std::fs::write(&file, "[server]\nport = \"high\"\n").unwrap();
    let output = run(dir.path(), &["--config", config, "serve"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`server.port`") && stderr.contains(config),
        "{stderr}"
    );

    std::fs::write(&file, "[server\n").unwrap();
    let output = run(dir.path(), &["--config", config, "config"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not valid TOML"));

    let output = common::command(dir.path())
        .env("SMS_BRIDGE_GATEWAY__TIMEOUT_S", "soon")
        .arg("config")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("gateway.timeout_s") && stderr.contains("SMS_BRIDGE_GATEWAY__TIMEOUT_S")
    );
}

#[test]
fn config_shows_each_value_with_its_origin() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        "[sms]\nsender_id = \"Praxis\"\n[account]\npassword = \"hunter2-secret\"\n",
    )
    .unwrap();
    let output = common::command(dir.path())
        .env("SMS_BRIDGE_SERVER__PORT", "31999")
        .args(["--config", file.to_str().unwrap(), "config"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = |key: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap()
            .to_string()
    };
    assert!(
        line("server.port").contains("31999")
            && line("server.port").contains("env SMS_BRIDGE_SERVER__PORT")
    );
    assert!(line("sms.sender_id").contains("Praxis") && line("sms.sender_id").contains("file "));
    assert!(
        line("gateway.url").contains("https://api.lox24.eu")
            && line("gateway.url").contains("default")
    );
    assert!(
        !stdout.contains("hunter2-secret"),
        "the password is never printed"
    );
}

#[test]
fn cert_path_prints_the_ca_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["cert", "path"]);
    assert!(output.status.success());
    let path = String::from_utf8_lossy(&output.stdout).trim().to_string();
    assert_eq!(path, dir.path().join("tls/ca.crt").to_string_lossy());
}

#[tokio::test]
async fn cert_renew_issues_a_new_leaf_from_the_same_ca() {
    let dir = tempfile::tempdir().unwrap();
    let first = Bridge::start(dir.path(), &[]);
    let ca = first.ca_pem();
    first.stop();
    let before = std::fs::read(dir.path().join("tls/localhost.crt")).unwrap();

    let output = run(dir.path(), &["cert", "renew"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let after = std::fs::read(dir.path().join("tls/localhost.crt")).unwrap();
    assert_ne!(before, after);
    let bridge = Bridge::start(dir.path(), &[]);
    assert_eq!(bridge.ca_pem(), ca);
    assert_eq!(
        bridge
            .client()
            .get(bridge.url("/"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[test]
fn sigterm_stops_the_server_within_five_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let bridge = Bridge::start(dir.path(), &[]);
    let started = Instant::now();
    let status = bridge.stop();
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn web_dir_serves_the_pane_from_disk() {
    let dir = tempfile::tempdir().unwrap();
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("taskpane.html"),
        "<p>from disk {{api_token}}</p>",
    )
    .unwrap();
    let bridge = Bridge::start(dir.path(), &["--web-dir", web.path().to_str().unwrap()]);
    let page = bridge
        .client()
        .get(bridge.url("/taskpane.html"))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    assert!(
        page.starts_with("<p>from disk ") && !page.contains("{{api_token}}"),
        "{page}"
    );
}
