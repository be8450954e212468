//! The attack suite: `serve --sandbox` with a real key added, attacked the ways a web page,
//! a rebinding DNS name or another program on the machine could. Every attack must be
//! refused with the right status and must not reach the simulator, which records every
//! request the bridge makes to "LOX24". The last test runs at trace level and looks for
//! the key and the password in every log line and every answer.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Bridge, page_token};
use md5::{Digest, Md5};
use reqwest::{Method, RequestBuilder, Response};
use rustls::pki_types::ServerName;
use serde_json::{Value, json};

const ENTRY: &str = "100000:5a4db0c3e1f2a3b4c5d6e7f8091a2b3c";
const KEY: &str = "5a4db0c3e1f2a3b4c5d6e7f8091a2b3c";
const LEGACY_CLIENT_ID: &str = "100001";
const PASSWORD: &str = "sandbox-password";
const TOKEN_HEADER: &str = "X-SMS-Bridge-Token";
const PHONE: &str = "+491701234567";

/// A sandbox bridge with the sandbox key added, so that a send that got past the guards
/// would really reach the simulator.
struct Target {
    bridge: Bridge,
    token: String,
    simulator: String,
    client: reqwest::Client,
    plain: reqwest::Client,
}

impl Target {
    async fn start(dir: &std::path::Path) -> Target {
        Target::start_with(dir, &[], &[]).await
    }

    async fn start_with(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> Target {
        let port = common::free_port();
        let mut command = common::command(dir);
        command
            .env("SMS_BRIDGE_CREDENTIALS__STORE", "file")
            .envs(env.iter().copied())
            .args(args)
            .args(["serve", "--sandbox", "--port", &port.to_string()]);
        let bridge = Bridge::spawn(command, port, dir);
        let token = page_token(&bridge).await;
        let simulator = bridge.simulator_url();
        let client = bridge.client();
        // No pooling: the simulator closes idle connections while a test waits.
        let plain = reqwest::Client::builder()
            .no_proxy()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        let target = Target {
            bridge,
            token,
            simulator,
            client,
            plain,
        };
        let added = target
            .api(Method::POST, "/api/keys")
            .json(&json!({ "key": ENTRY, "label": "office" }))
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), 201, "{}", added.text().await.unwrap());
        target
    }

    fn url(&self, path: &str) -> String {
        self.bridge.url(path)
    }

    /// A request as the pane makes it: with the token.
    fn api(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header(TOKEN_HEADER, &self.token)
    }

    /// What the simulator has recorded.
    async fn upstream(&self) -> Vec<Value> {
        let url = format!("{}/_sim/requests", self.simulator);
        let answer = self.plain.get(url).send().await.unwrap();
        answer.json().await.unwrap()
    }

    async fn upstream_count(&self) -> usize {
        self.upstream().await.len()
    }

    /// Sends `request` and checks the refusal: its status, its error code, and that the
    /// simulator saw nothing.
    async fn refused(&self, request: RequestBuilder, status: u16, code: &str, what: &str) {
        let before = self.upstream_count().await;
        let response = request.send().await.unwrap();
        let (got, body) = answer(response).await;
        assert_eq!(got, status, "{what}: {body}");
        assert_eq!(body["error"]["code"], code, "{what}: {body}");
        assert!(body["error"]["message"].is_string(), "{what}: {body}");
        assert_eq!(self.upstream_count().await, before, "{what} reached LOX24");
    }
}

fn send_body() -> Value {
    json!({ "text": "Hallo", "to": [PHONE], "sender_id": "Praxis" })
}

/// The status and the JSON body (`null` when the body is not JSON).
async fn answer(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn md5_hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

#[tokio::test]
async fn forged_and_rebinding_hosts_are_refused_on_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;
    let port = target.bridge.port;
    let hosts = [
        "evil.example".to_string(),
        format!("attacker.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("localhost.attacker.example:{port}"),
        format!("localhost:{}", port.wrapping_add(1)),
        format!("localhost.:{port}"),
    ];
    for host in &hosts {
        for (method, path) in [
            (Method::GET, "/taskpane.html"),
            (Method::GET, "/api/health"),
            (Method::GET, "/api/history"),
            (Method::POST, "/api/sms"),
            (Method::POST, "/api/keys"),
        ] {
            let request = target
                .api(method.clone(), path)
                .header("Host", host)
                .json(&send_body());
            let what = format!("{method} {path} with Host {host}");
            target.refused(request, 403, "foreign_host", &what).await;
        }
    }
}

#[tokio::test]
async fn cross_origin_requests_are_refused_with_and_without_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;
    let other_port = format!("https://localhost:{}", target.bridge.port.wrapping_add(1));
    let marks: [(&str, &str); 5] = [
        ("Origin", "https://evil.example"),
        ("Origin", "null"),
        ("Origin", &other_port),
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-site"),
    ];
    for (name, value) in marks {
        for with_token in [true, false] {
            for (method, path) in [
                (Method::GET, "/api/history"),
                (Method::GET, "/api/keys"),
                (Method::POST, "/api/sms"),
                (Method::POST, "/api/keys"),
            ] {
                let mut request = target
                    .client
                    .request(method.clone(), target.url(path))
                    .header(name, value)
                    .header("Cookie", "session=1")
                    .json(&json!({ "key": ENTRY, "text": "x", "to": [PHONE] }));
                if with_token {
                    request = request.header(TOKEN_HEADER, &target.token);
                }
                let what = format!("{method} {path} with {name}: {value}, token {with_token}");
                target.refused(request, 403, "foreign_origin", &what).await;
            }
        }
    }

    let own = target
        .api(Method::GET, "/api/keys")
        .header("Origin", target.url(""))
        .header("Sec-Fetch-Site", "same-origin");
    assert_eq!(own.send().await.unwrap().status(), 200, "the pane itself");
}

#[tokio::test]
async fn html_form_posts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;
    let forms = [
        (
            "application/x-www-form-urlencoded",
            "text=Hallo&to=%2B491701234567".to_string(),
        ),
        (
            "multipart/form-data; boundary=x",
            "--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nHallo\r\n--x--\r\n"
                .to_string(),
        ),
        ("text/plain", send_body().to_string()),
    ];
    for (content_type, body) in &forms {
        for path in ["/api/sms", "/api/keys"] {
            let form = |request: RequestBuilder| {
                request
                    .header("Content-Type", *content_type)
                    .body(body.clone())
            };
            let what = format!("{content_type} form to {path}");
            let browser = target
                .client
                .post(target.url(path))
                .header("Origin", "https://evil.example")
                .header("Sec-Fetch-Site", "cross-site");
            target
                .refused(form(browser), 403, "foreign_origin", &what)
                .await;
            let bare = target.client.post(target.url(path));
            target
                .refused(form(bare), 401, "token_required", &what)
                .await;
            let with_token = target.api(Method::POST, path);
            target
                .refused(form(with_token), 415, "json_required", &what)
                .await;
        }
    }
}

#[tokio::test]
async fn missing_wrong_and_another_installs_tokens_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;
    let other_dir = tempfile::tempdir().unwrap();
    let other = Bridge::start(other_dir.path(), &[]);
    let foreign = page_token(&other).await;
    assert_ne!(foreign, target.token);

    let tokens = [
        None,
        Some(String::new()),
        Some("0".repeat(64)),
        Some(foreign),
        Some(target.token.to_uppercase()),
        Some(format!("{}0", target.token)),
        Some(target.token[..63].to_string()),
        Some(format!(" {}", &target.token[1..])),
    ];
    for token in &tokens {
        for (method, path) in [
            (Method::POST, "/api/sms"),
            (Method::POST, "/api/keys"),
            (Method::GET, "/api/history"),
            (Method::GET, "/api/keys"),
            (Method::DELETE, "/api/keys/1"),
            (Method::POST, "/api/keys/1/use"),
        ] {
            let mut request = target
                .client
                .request(method.clone(), target.url(path))
                .json(&send_body());
            if let Some(token) = token {
                request = request.header(TOKEN_HEADER, token);
            }
            let what = format!("{method} {path} with token {token:?}");
            target.refused(request, 401, "token_required", &what).await;
        }
    }
    let in_query = target
        .client
        .get(target.url(&format!("/api/keys?token={}", target.token)));
    target
        .refused(in_query, 401, "token_required", "token in the query")
        .await;
}

#[tokio::test]
async fn preflights_and_answers_carry_no_cors_or_network_access_grants() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;
    let before = target.upstream_count().await;
    for path in [
        "/api/sms",
        "/api/keys",
        "/api/health",
        "/taskpane.html",
        "/",
    ] {
        let response = target
            .client
            .request(Method::OPTIONS, target.url(path))
            .header("Origin", "https://evil.example")
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "x-sms-bridge-token,content-type",
            )
            .header("Access-Control-Request-Private-Network", "true")
            .header("Access-Control-Request-Local-Network", "true")
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error(), "OPTIONS {path}");
        assert_no_cors(&response, &format!("OPTIONS {path}"));
    }

    let ok = target.api(Method::GET, "/api/keys").send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_no_cors(&ok, "GET /api/keys");
    let error = target.client.get(target.url("/api/keys")).send().await;
    assert_no_cors(&error.unwrap(), "a refused request");
    assert_eq!(target.upstream_count().await, before);

    for page in ["/taskpane.html", "/commands.html"] {
        let response = target.client.get(target.url(page)).send().await.unwrap();
        let headers = response.headers();
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("script-src")
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert!(headers.get("x-frame-options").is_none());
        assert_no_cors(&response, page);
    }
}

fn assert_no_cors(response: &Response, what: &str) {
    let granted: Vec<_> = response
        .headers()
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .collect();
    assert!(granted.is_empty(), "{what}: {granted:?}");
}

#[tokio::test]
async fn oversized_deep_and_malformed_bodies_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;
    let json_post = |path: &str, body: Vec<u8>| {
        target
            .api(Method::POST, path)
            .header("Content-Type", "application/json")
            .body(body)
    };

    let mut big = send_body();
    big["text"] = json!("a".repeat(70 * 1024));
    let big = json_post("/api/sms", big.to_string().into_bytes());
    target
        .refused(big, 413, "body_too_large", "a 70 KiB body")
        .await;

    let deep = format!(
        r#"{{"text":"Hallo","sender_id":"Praxis","to":{}"{PHONE}"{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let deep = json_post("/api/sms", deep.into_bytes());
    target
        .refused(deep, 400, "invalid_json", "to nested 200 deep")
        .await;
    let deep = format!(
        r#"{{"text":{}1{}}}"#,
        r#"{"a":"#.repeat(5000),
        "}".repeat(5000)
    );
    let deep = json_post("/api/sms/preview", deep.into_bytes());
    target
        .refused(deep, 400, "invalid_json", "text nested 5000 deep")
        .await;

    let mut invalid = br#"{"text":"Hallo "#.to_vec();
    invalid.extend_from_slice(b"\xff\xfe\xc3");
    invalid.extend_from_slice(format!(r#"","to":["{PHONE}"],"sender_id":"Praxis"}}"#).as_bytes());
    let invalid = json_post("/api/sms", invalid);
    target
        .refused(invalid, 400, "invalid_json", "invalid UTF-8")
        .await;

    let mut long = send_body();
    long["text"] = json!("a".repeat(9 * 1024));
    let long = target.api(Method::POST, "/api/sms").json(&long);
    target
        .refused(long, 400, "text_too_long", "a 9 KiB text")
        .await;
    let mut eleven = send_body();
    eleven["text"] = json!("a".repeat(153 * 10 + 1));
    let eleven = target.api(Method::POST, "/api/sms").json(&eleven);
    target
        .refused(eleven, 400, "text_too_long", "eleven parts")
        .await;

    let mut secret = send_body();
    secret["text"] = json!(12345);
    secret["sender_id"] = json!(KEY);
    let response = target
        .api(Method::POST, "/api/sms")
        .json(&secret)
        .send()
        .await;
    let text = response.unwrap().text().await.unwrap();
    assert!(!text.contains(KEY), "errors never echo values: {text}");
}

/// Sends raw bytes over TLS to the bridge and returns everything it answers before closing.
fn raw_exchange(bridge: &Bridge, request: &[u8]) -> String {
    let mut tls = raw_tls(bridge);
    tls.write_all(request).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match tls.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// A TLS connection to the bridge, handshake done, trusting only the bridge's CA.
fn raw_tls(bridge: &Bridge) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut bridge.ca_pem().as_slice()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", bridge.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock).unwrap();
    }
    tls
}

#[tokio::test]
async fn encoded_traversal_in_asset_paths_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let web = dir.path().join("web");
    std::fs::create_dir_all(web.join("assets")).unwrap();
    std::fs::write(web.join("taskpane.html"), "<p>pane</p>").unwrap();
    std::fs::write(dir.path().join("secret.txt"), "TOPSECRET").unwrap();
    let target = Target::start(&dir.path().join("data")).await;
    let disk_dir = dir.path().join("data3");
    let port = common::free_port();
    let mut command = common::command(&disk_dir);
    let web_arg = web.to_str().unwrap();
    command.args(["serve", "--port", &port.to_string(), "--web-dir", web_arg]);
    let disk = Bridge::spawn(command, port, &disk_dir);
    let disk_token = std::fs::read_to_string(disk_dir.join("api-token")).unwrap();

    let paths = [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/assets%2f..%2f..%2fsecret.txt",
        "/%252e%252e%252fsecret.txt",
        "/%252e%252e/secret.txt",
        "/..\\secret.txt",
        "/assets\\..\\..\\secret.txt",
        "/..%5csecret.txt",
        "/%2e%2e%5c%2e%2e%5csecret.txt",
        "/%c0%ae%c0%ae/secret.txt",
        "/..;/secret.txt",
        "/data3/api-token",
        "/../data3/api-token",
        "/%2e%2e/data3/tls/localhost.key",
        "/tls/ca.key",
        "/api-token",
        "/.%2e/secret.txt",
        "/%2fetc%2fpasswd",
        "//etc/passwd",
    ];
    for bridge in [&target.bridge, &disk] {
        for path in paths {
            let request = format!(
                "GET {path} HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
                bridge.port
            );
            let answer = raw_exchange(bridge, request.as_bytes());
            let status = answer.split(' ').nth(1).unwrap_or("");
            assert!(
                status == "404" || status == "400",
                "{path} answered {}",
                answer.lines().next().unwrap_or("(nothing)")
            );
            for secret in ["TOPSECRET", "PRIVATE KEY", &target.token, &disk_token] {
                assert!(!answer.contains(secret), "{path} leaked {secret}");
            }
        }
    }
}

#[tokio::test]
async fn header_injection_through_sender_text_and_labels_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;

    for sender in [
        "Praxis\r\nX-Injected: yes",
        "Praxis\nX-Injected: yes",
        "Pra\rxis",
    ] {
        let mut body = send_body();
        body["sender_id"] = json!(sender);
        let request = target.api(Method::POST, "/api/sms").json(&body);
        let what = format!("sender {sender:?}");
        target
            .refused(request, 400, "sender_id_characters", &what)
            .await;
    }
    let label = json!({ "key": ENTRY, "label": "office\r\nX-Injected: yes" });
    let request = target.api(Method::POST, "/api/keys").json(&label);
    target
        .refused(request, 400, "invalid_label", "label with CR/LF")
        .await;
    let client = json!({ "key": KEY, "client_id": "100000\r\nX-Injected: yes" });
    let request = target.api(Method::POST, "/api/keys").json(&client);
    let before = target.upstream_count().await;
    let (status, body) = answer(request.send().await.unwrap()).await;
    assert_eq!(status, 400, "client id with CR/LF: {body}");
    assert_eq!(target.upstream_count().await, before);

    let before = target.upstream().await.len();
    let text = "Hallo\r\nX-Injected: yes\r\n\r\nGET /evil HTTP/1.1";
    let mut body = send_body();
    body["text"] = json!(text);
    let response = target
        .api(Method::POST, "/api/sms")
        .json(&body)
        .send()
        .await;
    let (status, report) = answer(response.unwrap()).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["results"][0]["state"], "sent", "{report}");

    let upstream = target.upstream().await;
    let sent = &upstream[before..];
    assert_eq!(sent.len(), 1, "one request for one recipient: {sent:?}");
    let headers = sent[0]["headers"].as_object().unwrap();
    assert!(!headers.contains_key("x-injected"), "{headers:?}");
    assert!(
        headers
            .values()
            .all(|v| !v.as_str().unwrap().contains(['\r', '\n'])),
        "{headers:?}"
    );
    assert_eq!(sent[0]["path"], "/sms");
    let body: Value = serde_json::from_str(sent[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["text"], "Hallo\nX-Injected: yes\n\nGET /evil HTTP/1.1");
    assert_eq!(body["sender_id"], "Praxis");
}

#[tokio::test]
async fn huge_recipient_lists_are_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;
    let numbers: Vec<String> = (0..1001).map(|n| format!("+49170{n:07}")).collect();

    let mut body = send_body();
    body["to"] = json!(numbers);
    body["max_recipients"] = json!(100_000);
    let request = target.api(Method::POST, "/api/sms").json(&body);
    target
        .refused(request, 400, "too_many_recipients", "1001 entries")
        .await;

    let mut body = send_body();
    body["to"] = json!(",1".repeat(20_000));
    let request = target.api(Method::POST, "/api/sms").json(&body);
    target
        .refused(request, 400, "too_many_recipients", "20000 pasted")
        .await;

    let mut body = send_body();
    body["to"] = json!(numbers[..51].to_vec());
    let request = target.api(Method::POST, "/api/sms").json(&body);
    target
        .refused(request, 400, "too_many_recipients", "above max_recipients")
        .await;

    let request = target
        .api(Method::POST, "/api/recipients")
        .json(&json!({ "to": numbers }));
    target
        .refused(request, 400, "too_many_recipients", "recipient check")
        .await;
    let request = target
        .api(Method::POST, "/api/sms/quote")
        .json(&json!({ "text": "Hallo", "sender_id": "Praxis", "to": numbers }));
    target
        .refused(request, 400, "too_many_recipients", "quote")
        .await;
}

#[tokio::test]
async fn requests_beyond_a_routes_rate_get_429_in_the_api_shape() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;

    for _ in 0..30 {
        let preview = target
            .api(Method::POST, "/api/sms/preview")
            .json(&json!({ "text": "Hallo" }));
        assert_eq!(preview.send().await.unwrap().status(), 200, "live preview");
    }

    let before = target.upstream_count().await;
    let mut last = None;
    for _ in 0..3 {
        let response = target
            .api(Method::POST, "/api/keys")
            .json(&json!({ "label": "no key" }))
            .send()
            .await
            .unwrap();
        last = Some(response);
    }
    let last = last.unwrap();
    assert_eq!(last.status(), 429);
    let wait: u64 = last.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
    let (_, body) = answer(last).await;
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert_eq!(target.upstream_count().await, before);

    let elsewhere = target.api(Method::GET, "/api/keys").send().await.unwrap();
    assert_eq!(elsewhere.status(), 200, "other routes keep their allowance");
}

#[tokio::test]
async fn a_stalled_tls_handshake_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;
    let before = target.upstream_count().await;
    let mut tcp = TcpStream::connect(("127.0.0.1", target.bridge.port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let started = Instant::now();
    let mut buffer = [0u8; 64];
    let read = tcp.read(&mut buffer);
    assert!(
        matches!(read, Ok(0)) || read.is_err_and(|e| e.kind() == ErrorKind::ConnectionReset),
        "the server closes the connection"
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed > Duration::from_secs(2) && elapsed < Duration::from_secs(10),
        "closed after {elapsed:?}, not at the handshake timeout"
    );
    assert_eq!(target.upstream_count().await, before);
}

#[tokio::test]
async fn headers_sent_byte_by_byte_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;
    let before = target.upstream_count().await;
    let head = format!(
        "POST /api/sms HTTP/1.1\r\nHost: localhost:{}\r\n{TOKEN_HEADER}: {}\r\nX-Pad: {}\r\n\r\n",
        target.bridge.port,
        target.token,
        "a".repeat(100)
    );
    let mut tls = raw_tls(&target.bridge);
    tls.sock
        .set_read_timeout(Some(Duration::from_millis(250)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut sent = 0;
    let mut buffer = [0u8; 1024];
    let closed = loop {
        if sent == head.len() {
            break false;
        }
        if tls.write_all(&head.as_bytes()[sent..sent + 1]).is_err() {
            break true;
        }
        sent += 1;
        // The read timeout paces the bytes and notices the server's answer or close.
        match tls.read(&mut buffer) {
            Ok(0) => break true,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break true,
        }
    };
    assert!(closed, "the server waited for all {} bytes", head.len());
    let elapsed = started.elapsed();
    assert!(
        elapsed > Duration::from_secs(2) && elapsed < Duration::from_secs(10),
        "closed after {elapsed:?}, not at the head timeout"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert_eq!(target.upstream_count().await, before);
}

#[tokio::test]
async fn a_body_sent_too_slowly_is_refused_with_408() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;
    let before = target.upstream_count().await;
    let request = format!(
        "POST /api/sms HTTP/1.1\r\nHost: localhost:{}\r\n{TOKEN_HEADER}: {}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"text\":",
        target.bridge.port, target.token
    );
    let started = Instant::now();
    let answer = raw_exchange(&target.bridge, request.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"body_timeout\""), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(15));
    assert_eq!(target.upstream_count().await, before);
}

#[tokio::test]
async fn a_second_request_cannot_hold_the_connection_open() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start(dir.path()).await;
    let request = format!(
        "GET /api/health HTTP/1.1\r\nHost: localhost:{}\r\n\r\nGET /api/health HTTP/1.1\r\nHo",
        target.bridge.port
    );
    let started = Instant::now();
    let answer = raw_exchange(&target.bridge, request.as_bytes());
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert_eq!(answer.matches("HTTP/1.1 200").count(), 1, "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn every_file_the_bridge_writes_is_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let target = Target::start(&data).await;
    let response = target
        .api(Method::POST, "/api/sms")
        .json(&send_body())
        .send()
        .await;
    assert_eq!(response.unwrap().status(), 200);

    let mut files = Vec::new();
    let mut dirs = vec![data.clone()];
    while let Some(next) = dirs.pop() {
        let mode = std::fs::metadata(&next).unwrap().permissions().mode() & 0o777;
        if next == data || next == data.join("sandbox") {
            assert_eq!(mode, 0o700, "{}", next.display());
        }
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    for name in [
        "api-token",
        "tls/ca.key",
        "sandbox/secrets.json",
        "sandbox/journal.sqlite",
    ] {
        assert!(files.contains(&data.join(name)), "{name} is written");
    }
    for file in &files {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        let public = file.extension().is_some_and(|e| e == "crt");
        if !public {
            assert_eq!(mode, 0o600, "{}", file.display());
        }
        let bytes = std::fs::read(file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        if !file.ends_with("secrets.json") {
            assert!(!text.contains(KEY), "{} holds the key", file.display());
        }
    }
}

#[tokio::test]
async fn secrets_appear_in_no_log_line_and_no_answer_even_at_trace_level() {
    let dir = tempfile::tempdir().unwrap();
    let target = Target::start_with(dir.path(), &[("RUST_LOG", "trace")], &["-vvv"]).await;
    let port = target.bridge.port;
    let mut answers = Vec::new();
    let mut record = async |request: RequestBuilder| {
        let response = request.send().await.unwrap();
        let headers = format!("{:?}", response.headers());
        answers.push(format!("{headers}\n{}", response.text().await.unwrap()));
    };

    let legacy = json!({
        "key": PASSWORD, "client_id": LEGACY_CLIENT_ID, "is_password": true, "label": "old",
    });
    record(target.api(Method::POST, "/api/keys").json(&legacy)).await;
    let wrong = json!({ "key": format!("100000:{}", "f".repeat(32)) });
    record(target.api(Method::POST, "/api/keys").json(&wrong)).await;
    record(target.api(Method::POST, "/api/sms").json(&send_body())).await;
    record(target.api(Method::GET, "/api/keys")).await;
    record(target.api(Method::GET, "/api/status")).await;
    record(target.api(Method::GET, "/api/history")).await;
    record(
        target
            .api(Method::POST, "/api/keys")
            .json(&json!({ "key": ENTRY })),
    )
    .await;

    let attacks = [
        target
            .api(Method::POST, "/api/sms")
            .header("Host", format!("attacker.example:{port}"))
            .json(&send_body()),
        target
            .api(Method::POST, "/api/keys")
            .header("Origin", "https://evil.example")
            .json(&json!({ "key": ENTRY })),
        target
            .client
            .post(target.url("/api/keys"))
            .header(TOKEN_HEADER, "0".repeat(64))
            .json(&legacy),
        target
            .api(Method::POST, "/api/keys")
            .header("Content-Type", "text/plain")
            .body(json!({ "key": ENTRY }).to_string()),
        // Malformed bodies go to the preview, whose allowance is large, and meet the
        // same JSON reader as every route.
        target
            .api(Method::POST, "/api/sms/preview")
            .json(&json!({ "text": 1, "key": ENTRY })),
        target
            .api(Method::POST, "/api/sms/preview")
            .json(&json!({ "text": [PASSWORD] })),
        target
            .api(Method::POST, "/api/sms/preview")
            .header("Content-Type", "application/json")
            .body(format!(r#"{{"key":"{ENTRY}","#)),
        target
            .api(Method::POST, "/api/sms/preview")
            .json(&json!({ "key": PASSWORD, "is_password": true })),
    ];
    for attack in attacks {
        record(attack).await;
    }

    let lines = target.bridge.stop_with_stderr();
    assert!(
        lines.len() > 100,
        "trace logging is on: {} lines",
        lines.len()
    );
    let md5 = md5_hex(PASSWORD);
    for secret in [KEY, PASSWORD, md5.as_str()] {
        for line in &lines {
            assert!(
                !line.to_lowercase().contains(secret),
                "log line has a secret: {line}"
            );
        }
        for answer in &answers {
            assert!(
                !answer.to_lowercase().contains(secret),
                "answer has a secret: {answer}"
            );
        }
    }
    assert!(
        answers.iter().any(|a| a.contains("••••4897")),
        "the legacy key was added"
    );
}
