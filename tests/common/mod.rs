//! Shared fixtures for the black-box tests: the built binary started on a free port with a
//! temporary data dir, and HTTPS clients that trust only the bridge's own CA. Everything
//! started here is stopped when the fixture is dropped.
#![allow(dead_code)]

mod sim;
#[allow(unused_imports)]
pub use sim::*;

use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_sms-bridge");

/// A port nobody listens on right now (the OS picks it; we release it at once).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a free port");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    port
}

/// Runs the binary to completion with a data dir and an isolated config location.
pub fn run(data_dir: &Path, args: &[&str]) -> Output {
    command(data_dir)
        .args(args)
        .output()
        .expect("run sms-bridge")
}

/// A command for the binary with its environment isolated from the developer's own.
pub fn command(data_dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_remove("RUST_LOG")
        .env("XDG_CONFIG_HOME", data_dir.join("xdg-config"))
        .env("HOME", data_dir.join("home"))
        .arg("--data-dir")
        .arg(data_dir);
    for (name, _) in std::env::vars() {
        if name.starts_with("SMS_BRIDGE_") {
            command.env_remove(name);
        }
    }
    command
}

/// A running `sms-bridge serve`.
pub struct Bridge {
    pub port: u16,
    pub data_dir: PathBuf,
    child: Option<Child>,
    stderr: mpsc::Receiver<String>,
    /// Every stderr line received so far, whoever asked for it.
    seen: Mutex<Vec<String>>,
}

impl Bridge {
    /// Starts `serve` on a free port and waits until it says it is listening.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Bridge {
        Bridge::start_with_env::<&str>(data_dir, extra, &[])
    }

    /// Starts `serve` with extra environment variables (e.g. `SMS_BRIDGE_GATEWAY__URL`).
    pub fn start_with_env<V: AsRef<std::ffi::OsStr>>(
        data_dir: &Path,
        extra: &[&str],
        env: &[(&str, V)],
    ) -> Bridge {
        let port = free_port();
        let mut command = command(data_dir);
        command.envs(env.iter().map(|(k, v)| (*k, v.as_ref())));
        command
            .arg("serve")
            .arg("--port")
            .arg(port.to_string())
            .args(extra);
        Bridge::spawn(command, port, data_dir)
    }

    /// Kills the bridge at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Calls an `/api` route with the page token; returns status and JSON body.
    pub async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
        headers: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let token = page_token(self).await;
        let mut request = self
            .client()
            .request(method, self.url(path))
            .header("X-SMS-Bridge-Token", token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the bridge answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    pub fn spawn(mut command: Command, port: u16, data_dir: &Path) -> Bridge {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn sms-bridge serve");

        let stderr = child.stderr.take().expect("stderr is piped");
        let (stderr_tx, stderr_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = stderr_tx.send(line);
            }
        });

        let stdout = child.stdout.take().expect("stdout is piped");
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            for line in lines.by_ref().map_while(Result::ok) {
                let _ = ready_tx.send(line);
            }
        });

        let expected = format!("listening on https://localhost:{port}");
        let mut bridge = Bridge {
            port,
            data_dir: data_dir.to_path_buf(),
            child: Some(child),
            stderr: stderr_rx,
            seen: Mutex::new(Vec::new()),
        };
        loop {
            match ready_rx.recv_timeout(Duration::from_secs(30)) {
                Ok(line) if line == expected => return bridge,
                Ok(_) => continue,
                Err(_) => {
                    let status = bridge
                        .child
                        .as_mut()
                        .and_then(|c| c.try_wait().ok().flatten());
                    panic!(
                        "bridge did not report listening (exit: {status:?}); stderr:\n{}",
                        bridge.stderr_lines().join("\n")
                    );
                }
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.data_dir.join("tls/ca.crt")).expect("CA file exists")
    }

    /// An HTTPS client that trusts only this bridge's CA.
    pub fn client(&self) -> reqwest::Client {
        client_trusting(&self.ca_pem())
    }

    /// What the bridge wrote on stderr since the last call.
    pub fn stderr_lines(&self) -> Vec<String> {
        let new: Vec<String> = self.stderr.try_iter().collect();
        self.seen.lock().unwrap().extend(new.iter().cloned());
        new
    }

    /// Everything the bridge wrote on stderr so far.
    pub fn all_stderr_lines(&self) -> Vec<String> {
        self.stderr_lines();
        self.seen.lock().unwrap().clone()
    }

    /// The first stderr line containing `needle`, waiting up to ten seconds for it.
    pub fn log_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            self.stderr_lines();
            if let Some(line) = self
                .seen
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains(needle))
            {
                return line.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr.recv_timeout(left) {
                Ok(line) => self.seen.lock().unwrap().push(line),
                Err(_) => panic!("no log line with {needle:?}"),
            }
        }
    }

    /// `http://127.0.0.1:PORT` of the simulator inside `serve --sandbox`.
    pub fn simulator_url(&self) -> String {
        let line = self.log_line("sandbox simulator at ");
        let (_, url) = line.split_once("sandbox simulator at ").unwrap();
        url.trim().to_string()
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Sends SIGTERM, waits for the exit and returns every line the bridge wrote on stderr.
    pub fn stop_with_stderr(mut self) -> Vec<String> {
        let mut child = self.child.take().expect("running");
        unsafe {
            libc::kill(child.id() as i32, libc::SIGTERM);
        }
        child.wait().expect("wait for the bridge");
        let mut lines = self.seen.lock().unwrap().clone();
        // The reader thread ends at the end of the pipe, which the exit closes.
        lines.extend(self.stderr.iter());
        lines
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        unsafe {
            libc::kill(child.id() as i32, libc::SIGTERM);
        }
        child.wait().expect("wait for the bridge")
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A client trusting only the given CA (PEM), with the ring provider installed.
pub fn client_trusting(ca_pem: &[u8]) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca = reqwest::Certificate::from_pem(ca_pem).expect("CA parses");
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .tls_info(true)
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client builds")
}

/// The per-install token, read the way the pane reads it: from the served page.
pub async fn page_token(bridge: &Bridge) -> String {
    let page = bridge
        .client()
        .get(bridge.url("/taskpane.html"))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    let marker = "name=\"sms-bridge-token\" content=\"";
    let start = page.find(marker).expect("token meta in page") + marker.len();
    page[start..start + 64].to_string()
}

pub fn read_all(mut reader: impl Read) -> String {
    let mut text = String::new();
    let _ = reader.read_to_string(&mut text);
    text
}

/// `sms-bridge simulator` as a separate process, as a bridge under test would reach LOX24.
pub struct SimProcess {
    pub url: String,
    child: Child,
}

impl SimProcess {
    /// Starts the simulator on a free port with these `CLIENT_ID:KEY` accounts.
    pub fn start(accounts: &[&str]) -> SimProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut command = command(dir.path());
        command.arg("simulator");
        for account in accounts {
            command.arg("--account").arg(account);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let url = first
            .strip_prefix("simulator listening on ")
            .unwrap_or_else(|| panic!("simulator did not start: {first:?}"))
            .to_string();
        std::thread::spawn(move || for _ in lines {});
        SimProcess { url, child }
    }

    /// The environment that points a bridge at this simulator with the file key store.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("SMS_BRIDGE_GATEWAY__URL", self.url.clone()),
            ("SMS_BRIDGE_CREDENTIALS__STORE", "file".to_string()),
        ]
    }

    /// Every LOX24 request the simulator has seen.
    pub async fn requests(&self) -> Vec<serde_json::Value> {
        self.get("/_sim/requests")
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The LOX24 requests with this method and path.
    pub async fn count(&self, method: &str, path: &str) -> usize {
        let requests = self.requests().await;
        requests
            .iter()
            .filter(|r| r["method"] == method && r["path"] == path)
            .count()
    }

    pub async fn get(&self, path: &str) -> serde_json::Value {
        let response = http()
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> u16 {
        let url = format!("{}{path}", self.url);
        http()
            .post(url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary with `env` and `stdin`, returning the output.
pub fn run_with(data_dir: &Path, env: &[(&str, String)], args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = command(data_dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sms-bridge");
    let mut input = child.stdin.take().expect("stdin is piped");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("sms-bridge finishes")
}
