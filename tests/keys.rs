//! Black-box tests of the LOX24 key setup: `sms-bridge key …`, `status` and `/api/keys`
//! against the simulator as a separate process. They cover the three ways users arrive (a
//! new API key, an old account password, old settings), the lockout guard during key
//! entry, the warnings and when they clear, what `status --json` shows, bad input, the
//! file store's permissions, and the CLI and a running server sharing one data dir.
//!
//! Every test has its own data dirs and its own simulator, so each starts with a fresh
//! lockout guard and a fresh IP-block counter.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{Bridge, SimProcess, run_with};
use md5::{Digest, Md5};
use reqwest::Method;
use serde_json::{Value, json};

const CLIENT: &str = "1234567";
/// An API key as LOX24 shows them: 32 characters of 0-9 and a-f.
const API_KEY: &str = "e3f3a759b6677959b6ebfc0123456789";
/// A key of the same shape that the simulator does not know.
const WRONG_KEY: &str = "00000000000000000000000000000bad";
/// An old LOX24 account password; the account's first key is its MD5 hex.
const PASSWORD: &str = "Sommer2019!Praxis";

fn md5hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

fn account(key: &str) -> String {
    format!("{CLIENT}:{key}")
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn key_add(dir: &Path, env: &[(&str, String)], flags: &[&str], line: &str) -> Output {
    let mut args = vec!["key", "add"];
    args.extend_from_slice(flags);
    run_with(dir, env, &args, line)
}

/// Everything a run printed, stdout then stderr.
fn words(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn exit(output: &Output) -> i32 {
    output.status.code().expect("the run exited by itself")
}

fn status_json(dir: &Path, env: &[(&str, String)]) -> Value {
    let output = run_with(dir, env, &["status", "--json"], "");
    assert_eq!(exit(&output), 0, "{}", words(&output));
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("status --json printed no JSON ({e}):\n{}", words(&output)))
}

fn warning_codes(status: &Value) -> Vec<String> {
    status["warnings"]
        .as_array()
        .expect("warnings is a list")
        .iter()
        .map(|w| w["code"].as_str().expect("a code").to_string())
        .collect()
}

fn warning<'a>(status: &'a Value, code: &str) -> Option<&'a Value> {
    status["warnings"]
        .as_array()?
        .iter()
        .find(|w| w["code"] == code)
}

/// The key records in keys.json; none when the file does not exist.
fn stored_keys(dir: &Path) -> Vec<Value> {
    match std::fs::read(dir.join("keys.json")) {
        Ok(bytes) => {
            let records: Value = serde_json::from_slice(&bytes).expect("keys.json is JSON");
            records["keys"].as_array().cloned().unwrap_or_default()
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("failed to read keys.json: {e}"),
    }
}

/// Every file under `dir`, with its bytes.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read file");
                files.push((path, bytes));
            }
        }
    }
    files
}

fn holds(bytes: &[u8], needle: &str) -> bool {
    bytes
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The `GET /me` requests the simulator has seen, as JSON text.
async fn me_requests(sim: &SimProcess) -> Vec<String> {
    sim.requests()
        .await
        .iter()
        .filter(|r| r["method"] == "GET" && r["path"] == "/me")
        .map(Value::to_string)
        .collect()
}

#[tokio::test]
async fn an_account_password_is_stored_only_as_its_derived_key() {
    let derived = md5hex(PASSWORD);
    let sim = SimProcess::start(&[&account(&derived)]);
    let env = sim.env();
    let cli_dir = temp();

    let output = key_add(
        cli_dir.path(),
        &env,
        &["-vvv", "--password", "--client-id", CLIENT],
        &format!("{PASSWORD}\n"),
    );
    let said = words(&output);
    assert_eq!(exit(&output), 0, "{said}");
    assert!(said.contains("account-password"), "{said}");
    assert!(
        !said.contains(PASSWORD),
        "the password is in the -vvv output:\n{said}"
    );
    assert!(
        !said.contains(&derived),
        "the derived key is in the -vvv output"
    );
    let keys = stored_keys(cli_dir.path());
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["origin"], "account-password");
    assert_eq!(keys[0]["client_id"], CLIENT);
    assert_eq!(keys[0]["last4"], &derived[28..]);

    let status = status_json(cli_dir.path(), &env);
    assert_eq!(status["active_key"]["origin"], "account-password");
    let legacy = warning(&status, "legacy_password").expect("legacy_password warning");
    let message = legacy["message"].as_str().unwrap();
    assert!(message.contains("account password") && message.contains("MD5"));
    let action = legacy["action"].as_str().unwrap();
    assert!(action.contains("Settings → API Settings"), "{action}");

    let serving = Bridge::start_with_env(cli_dir.path(), &[], &env);
    let mut logged = Vec::new();
    for _ in 0..50 {
        logged.extend(serving.stderr_lines());
        if logged.iter().any(|line| line.contains("legacy_password")) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let line = logged.iter().find(|line| line.contains("legacy_password"));
    assert!(line.is_some_and(|l| l.contains("WARN")), "{logged:?}");
    drop(serving);

    let api_dir = temp();
    let bridge = Bridge::start_with_env(api_dir.path(), &[], &env);
    let body = json!({"key": PASSWORD, "client_id": CLIENT, "is_password": true});
    let (code, added) = bridge.api(Method::POST, "/api/keys", Some(body), &[]).await;
    assert_eq!(code, 201, "{added}");
    assert_eq!(added["key"]["origin"], "account-password");
    let mut answers = vec![added];
    for path in ["/api/status", "/api/keys"] {
        let (code, answer) = bridge.api(Method::GET, path, None, &[]).await;
        assert_eq!(code, 200, "{path}: {answer}");
        answers.push(answer);
    }
    assert!(warning(&answers[1], "legacy_password").is_some());
    for answer in answers.iter().map(Value::to_string) {
        assert!(
            !answer.contains(PASSWORD),
            "password in an API answer: {answer}"
        );
        assert!(!answer.contains(&derived), "key in an API answer: {answer}");
    }
    let logged = bridge.stderr_lines().join("\n");
    assert!(!logged.contains(PASSWORD), "{logged}");
    drop(bridge);

    for dir in [cli_dir.path(), api_dir.path()] {
        let files = files_under(dir);
        assert!(files.iter().any(|(p, _)| p.ends_with("keys.json")));
        assert!(files.iter().any(|(p, _)| p.ends_with("secrets.json")));
        assert!(files.iter().any(|(p, _)| p.ends_with("guard.json")));
        for (path, bytes) in files {
            assert!(
                !holds(&bytes, PASSWORD),
                "{} holds the password",
                path.display()
            );
        }
    }

    let seen = me_requests(&sim).await;
    assert_eq!(seen.len(), 2, "one verification per add");
    for request in seen {
        assert!(
            !request.contains(PASSWORD),
            "LOX24 saw the password: {request}"
        );
        assert!(
            request.contains(&format!("{CLIENT}:{derived}")),
            "{request}"
        );
    }
}

#[tokio::test]
async fn a_rejected_secret_that_is_no_api_key_offers_the_password_reading() {
    let sim = SimProcess::start(&[&account(API_KEY)]);
    let env = sim.env();
    let dir = temp();

    let output = key_add(dir.path(), &env, &["--client-id", CLIENT], "Sommer2019!\n");
    let said = words(&output);
    assert_eq!(exit(&output), 1, "{said}");
    assert!(said.contains("rejected"), "{said}");
    assert!(said.contains("does not look like an API key"), "{said}");
    assert!(said.contains("key add --password"), "{said}");
    assert!(stored_keys(dir.path()).is_empty());
    assert_eq!(
        sim.count("GET", "/me").await,
        1,
        "the password reading is offered, not tried"
    );

    let api_dir = temp();
    let bridge = Bridge::start_with_env(api_dir.path(), &[], &env);
    let body = json!({"key": "Sommer2019!", "client_id": CLIENT});
    let (code, answer) = bridge.api(Method::POST, "/api/keys", Some(body), &[]).await;
    assert_eq!(code, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "bad_credentials");
    assert_eq!(answer["error"]["hint"], "account_password");
    assert_eq!(answer["error"]["field"], "key");

    let body = json!({"key": WRONG_KEY, "client_id": CLIENT});
    let (code, answer) = bridge.api(Method::POST, "/api/keys", Some(body), &[]).await;
    assert_eq!(code, 422, "{answer}");
    assert_eq!(answer["error"]["code"], "bad_credentials");
    assert!(answer["error"].get("hint").is_none(), "{answer}");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(!message.contains("account password"), "{message}");

    let (_, keys) = bridge.api(Method::GET, "/api/keys", None, &[]).await;
    assert_eq!(keys["keys"], json!([]));
    assert_eq!(sim.count("GET", "/me").await, 3);
}

#[tokio::test]
async fn three_wrong_keys_in_a_row_reach_lox24_at_most_twice() {
    let sim = SimProcess::start(&[&account(API_KEY)]);
    let env = sim.env();
    let dir = temp();

    let wrong = [
        "00000000000000000000000000000001",
        "00000000000000000000000000000002",
        "00000000000000000000000000000003",
    ];
    let outputs: Vec<Output> = wrong
        .iter()
        .map(|key| key_add(dir.path(), &env, &["--client-id", CLIENT], key))
        .collect();

    let codes: Vec<i32> = outputs.iter().map(exit).collect();
    assert_eq!(codes, [1, 1, 1]);
    assert_eq!(sim.count("GET", "/me").await, 2);
    for output in &outputs[..2] {
        assert!(words(output).contains("LOX24 rejected the API key"));
    }
    let third = words(&outputs[2]);
    assert!(
        third.contains("blocking this computer's IP address"),
        "{third}"
    );
    let wait: i64 = third
        .split("try again in ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|seconds| seconds.parse().ok())
        .unwrap_or_else(|| panic!("no wait in seconds: {third}"));
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(stored_keys(dir.path()).is_empty());
}

#[tokio::test]
async fn a_password_in_the_config_file_moves_into_the_store_and_out_of_the_file() {
    let sim = SimProcess::start(&[&account(&md5hex(PASSWORD))]);
    let env = sim.env();
    let dir = temp();
    let settings = temp();
    let config = settings.path().join("config.toml");
    let before = format!(
        "# settings of the old tool\n[account]\nclient_id = \"{CLIENT}\"\npassword = \
         \"{PASSWORD}\"\n\n[sms]\nsender_id = \"Praxis\" # shown to recipients\n\
         default_country = \"AT\"\n"
    );
    std::fs::write(&config, &before).unwrap();
    let config_arg = config.to_str().unwrap();

    let output = run_with(
        dir.path(),
        &env,
        &["--config", config_arg, "status", "--json"],
        "",
    );
    let said = words(&output);
    assert_eq!(exit(&output), 0, "{said}");
    assert!(!said.contains(PASSWORD), "{said}");
    assert!(said.contains("removed the password from"), "{said}");
    let status: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("status --json printed no JSON ({e}):\n{said}"));
    assert_eq!(status["active_key"]["origin"], "account-password");
    let codes = warning_codes(&status);
    assert!(codes.contains(&"legacy_password".to_string()), "{codes:?}");
    assert!(
        !codes.contains(&"password_in_config".to_string()),
        "the password was just removed from the file: {codes:?}"
    );

    let after = std::fs::read_to_string(&config).unwrap();
    let expected = before.replace(&format!("password = \"{PASSWORD}\"\n"), "");
    assert_eq!(after, expected);
    let keys = stored_keys(dir.path());
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["origin"], "account-password");
    assert_eq!(sim.count("GET", "/me").await, 1);

    let output = run_with(dir.path(), &env, &["--config", config_arg, "status"], "");
    assert_eq!(exit(&output), 0, "{}", words(&output));
    assert!(!words(&output).contains("moved"), "{}", words(&output));
    assert_eq!(sim.count("GET", "/me").await, 1, "no second request");
    assert_eq!(stored_keys(dir.path()).len(), 1);
}

#[tokio::test]
async fn a_password_in_the_environment_is_stored_and_the_variable_must_go() {
    let sim = SimProcess::start(&[&account(&md5hex(PASSWORD))]);
    let mut env = sim.env();
    env.push(("SMS_BRIDGE_ACCOUNT__CLIENT_ID", CLIENT.to_string()));
    env.push(("SMS_BRIDGE_ACCOUNT__PASSWORD", PASSWORD.to_string()));
    let dir = temp();

    let output = run_with(dir.path(), &env, &["status"], "");
    let said = words(&output);
    assert_eq!(exit(&output), 0, "{said}");
    assert!(!said.contains(PASSWORD), "{said}");
    assert!(
        said.contains("remove the environment variable SMS_BRIDGE_ACCOUNT__PASSWORD"),
        "{said}"
    );
    let keys = stored_keys(dir.path());
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["origin"], "account-password");

    let status = status_json(dir.path(), &env);
    let codes = warning_codes(&status);
    assert!(
        codes.contains(&"password_in_config".to_string()),
        "{codes:?}"
    );
    assert!(codes.contains(&"legacy_password".to_string()), "{codes:?}");
    let still = warning(&status, "password_in_config").unwrap();
    assert!(
        still["message"]
            .as_str()
            .unwrap()
            .contains("SMS_BRIDGE_ACCOUNT__PASSWORD")
    );
    let action = still["action"].as_str().unwrap();
    assert!(action.contains("the key derived from it is in the key store"));
    assert_eq!(
        sim.count("GET", "/me").await,
        1,
        "stored once, verified once"
    );
    assert_eq!(stored_keys(dir.path()).len(), 1);
}

#[tokio::test]
async fn a_config_password_that_lox24_rejects_is_not_sent_again() {
    let sim = SimProcess::start(&[&account(API_KEY)]);
    let mut env = sim.env();
    env.push(("SMS_BRIDGE_ACCOUNT__CLIENT_ID", CLIENT.to_string()));
    env.push(("SMS_BRIDGE_ACCOUNT__PASSWORD", PASSWORD.to_string()));
    let dir = temp();

    let first = run_with(dir.path(), &env, &["status"], "");
    let said = words(&first);
    assert_eq!(exit(&first), 0, "{said}");
    assert!(said.contains("LOX24 rejected the API key"), "{said}");
    assert_eq!(sim.count("GET", "/me").await, 1);

    for args in [&["status"][..], &["key", "list"], &["status", "--json"]] {
        let again = run_with(dir.path(), &env, args, "");
        let said = words(&again);
        assert_eq!(exit(&again), 0, "{args:?}: {said}");
        assert!(said.contains("rejected"), "{args:?}: {said}");
        assert!(!said.contains(PASSWORD), "{said}");
    }
    assert_eq!(
        sim.count("GET", "/me").await,
        1,
        "a key LOX24 rejected is never sent again"
    );
    assert!(stored_keys(dir.path()).is_empty());
    let status = status_json(dir.path(), &env);
    let still = warning(&status, "password_in_config").expect("password_in_config");
    let action = still["action"].as_str().unwrap();
    assert!(!action.contains("is in the key store"), "{action}");
    assert!(action.contains("sms-bridge key add"), "{action}");
}

#[tokio::test]
async fn a_config_password_without_a_client_id_exits_2_naming_the_fix() {
    let sim = SimProcess::start(&[&account(&md5hex(PASSWORD))]);
    let dir = temp();
    let settings = temp();
    let config = settings.path().join("config.toml");
    std::fs::write(&config, format!("[account]\npassword = \"{PASSWORD}\"\n")).unwrap();

    let args = ["--config", config.to_str().unwrap(), "status"];
    let output = run_with(dir.path(), &sim.env(), &args, "");
    let said = words(&output);
    assert_eq!(exit(&output), 2, "{said}");
    assert!(said.contains("account.client_id is not"), "{said}");
    assert!(said.contains("client_id = "), "{said}");
    assert!(!said.contains(PASSWORD), "{said}");
    assert!(stored_keys(dir.path()).is_empty());
    assert_eq!(sim.count("GET", "/me").await, 0);
}

#[tokio::test]
async fn check_password_marks_a_key_derived_from_the_password() {
    let derived = md5hex(PASSWORD);
    let sim = SimProcess::start(&[&account(&derived)]);
    let env = sim.env();
    let dir = temp();
    let output = key_add(dir.path(), &env, &["--client-id", CLIENT], &derived);
    assert_eq!(exit(&output), 0, "{}", words(&output));
    assert_eq!(stored_keys(dir.path())[0]["origin"], "api-key");
    let codes = warning_codes(&status_json(dir.path(), &env));
    assert!(!codes.contains(&"legacy_password".to_string()), "{codes:?}");

    let args = ["key", "check-password", "1"];
    let output = run_with(dir.path(), &env, &args, "Winter2018!\n");
    assert_eq!(exit(&output), 0, "{}", words(&output));
    assert!(words(&output).contains("key 1 is not derived from this password"));
    assert_eq!(stored_keys(dir.path())[0]["origin"], "api-key");

    let output = run_with(dir.path(), &env, &args, &format!("{PASSWORD}\n"));
    let said = words(&output);
    assert_eq!(exit(&output), 0, "{said}");
    assert!(said.contains("key 1 is the key LOX24 derived from this password"));
    assert!(!said.contains(PASSWORD));
    assert_eq!(stored_keys(dir.path())[0]["origin"], "account-password");
    let status = status_json(dir.path(), &env);
    assert_eq!(status["active_key"]["origin"], "account-password");
    assert!(warning(&status, "legacy_password").is_some());
    assert_eq!(
        sim.count("GET", "/me").await,
        1,
        "checking asks LOX24 nothing"
    );
}

#[tokio::test]
async fn making_an_api_key_active_clears_the_legacy_warning() {
    let sim = SimProcess::start(&[&account(&md5hex(PASSWORD)), &account(API_KEY)]);
    let env = sim.env();
    let dir = temp();
    let has_legacy = |dir: &Path| warning(&status_json(dir, &env), "legacy_password").is_some();

    let flags = ["--password", "--client-id", CLIENT, "--label", "old"];
    let output = key_add(dir.path(), &env, &flags, PASSWORD);
    assert_eq!(exit(&output), 0, "{}", words(&output));
    assert!(words(&output).contains("derived from your LOX24 account password"));
    assert!(has_legacy(dir.path()));

    let output = key_add(dir.path(), &env, &["--label", "new"], &account(API_KEY));
    assert_eq!(exit(&output), 0, "{}", words(&output));
    let status = status_json(dir.path(), &env);
    assert_eq!(status["active_key"]["id"], "2");
    assert_eq!(status["active_key"]["origin"], "api-key");
    assert!(warning(&status, "legacy_password").is_none());

    let output = run_with(dir.path(), &env, &["key", "use", "1"], "");
    assert_eq!(exit(&output), 0, "{}", words(&output));
    assert!(words(&output).contains("derived from your LOX24 account password"));
    assert!(has_legacy(dir.path()));

    let output = run_with(dir.path(), &env, &["key", "use", "2"], "");
    let said = words(&output);
    assert_eq!(exit(&output), 0, "{said}");
    assert!(said.contains("key 'new' (id 2"), "{said}");
    assert!(said.contains("`sms-bridge key remove 1`"), "{said}");
    assert!(!has_legacy(dir.path()));

    let output = run_with(dir.path(), &env, &["key", "remove", "2"], "");
    let said = words(&output);
    assert_eq!(exit(&output), 0, "{said}");
    assert!(
        said.contains("the active key is now key 'old' (id 1"),
        "{said}"
    );
    let status = status_json(dir.path(), &env);
    assert_eq!(status["active_key"]["id"], "1");
    assert!(warning(&status, "legacy_password").is_some());
    assert_eq!(
        sim.count("GET", "/me").await,
        2,
        "switching asks LOX24 nothing"
    );
}

#[tokio::test]
async fn status_json_has_exactly_the_documented_fields_and_no_secret() {
    let sim = SimProcess::start(&[&account(API_KEY)]);
    let env = sim.env();
    let dir = temp();
    let empty = status_json(dir.path(), &env);
    assert_eq!(empty["configured"], false);
    assert_eq!(empty["active_key"], Value::Null);

    let flags = ["--client-id", CLIENT, "--label", "office"];
    let output = key_add(dir.path(), &env, &flags, API_KEY);
    assert_eq!(exit(&output), 0, "{}", words(&output));
    let output = run_with(dir.path(), &env, &["status", "--json"], "");
    assert_eq!(exit(&output), 0, "{}", words(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        !text.contains(API_KEY) && !text.contains(&API_KEY[..28]),
        "{text}"
    );
    let status: Value = serde_json::from_str(&text).unwrap();

    let fields = |value: &Value| {
        let mut names: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        names.sort();
        names
    };
    let expected = ["account", "active_key", "configured", "sandbox", "warnings"];
    assert_eq!(fields(&status), expected);
    let key_fields = ["client_id", "id", "label", "masked", "origin", "state"];
    assert_eq!(fields(&status["active_key"]), key_fields);
    assert_eq!(
        fields(&status["account"]),
        ["balance", "currency", "services"]
    );
    for warning in status["warnings"].as_array().unwrap() {
        assert_eq!(fields(warning), ["action", "code", "message"]);
    }

    assert_eq!(status["configured"], true);
    assert_eq!(status["sandbox"], false);
    let expected_key = json!({
        "id": "1", "label": "office", "client_id": CLIENT, "masked": "••••6789",
        "origin": "api-key", "state": "verified",
    });
    assert_eq!(status["active_key"], expected_key);
    let expected_account = json!({
        "balance": 10.0, "currency": "EUR", "services": ["direct", "text2speech"],
    });
    assert_eq!(status["account"], expected_account);
}

#[tokio::test]
async fn rejected_forbidden_and_blocked_each_get_their_own_explanation() {
    let sim = SimProcess::start(&[&account(API_KEY)]);
    let env = sim.env();
    let flags = ["--client-id", CLIENT];

    let rejected_dir = temp();
    let output = key_add(rejected_dir.path(), &env, &flags, WRONG_KEY);
    let rejected = words(&output);
    assert_eq!(exit(&output), 1, "{rejected}");
    assert!(
        rejected.contains("LOX24 rejected the API key"),
        "{rejected}"
    );

    let switch = format!("/_sim/accounts/{CLIENT}");
    assert_eq!(sim.post(&switch, json!({"forbidden": true})).await, 200);
    let forbidden_dir = temp();
    let output = key_add(forbidden_dir.path(), &env, &flags, API_KEY);
    let forbidden = words(&output);
    assert_eq!(exit(&output), 1, "{forbidden}");
    assert!(forbidden.contains("not activated yet"), "{forbidden}");
    assert!(!forbidden.contains("rejected"), "{forbidden}");
    assert_eq!(sim.post(&switch, json!({"forbidden": false})).await, 200);

    for _ in 0..4 {
        common::http()
            .get(format!("{}/me", sim.url))
            .header("X-LOX24-AUTH-TOKEN", account(WRONG_KEY))
            .send()
            .await
            .unwrap();
    }
    let blocked_dir = temp();
    let output = key_add(blocked_dir.path(), &env, &flags, API_KEY);
    let blocked = words(&output);
    assert_eq!(exit(&output), 1, "{blocked}");
    assert!(blocked.contains("blocks every request from this computer's IP address"));
    assert!(blocked.contains("ten minutes"), "{blocked}");
    let codes = warning_codes(&status_json(blocked_dir.path(), &env));
    assert!(codes.contains(&"ip_blocked".to_string()), "{codes:?}");

    for dir in [&rejected_dir, &forbidden_dir, &blocked_dir] {
        assert!(stored_keys(dir.path()).is_empty());
    }
    let texts = [&rejected, &forbidden, &blocked];
    for (i, a) in texts.iter().enumerate() {
        for b in &texts[i + 1..] {
            assert_ne!(a, b, "each failure has its own words");
        }
    }
}

#[tokio::test]
async fn bad_key_input_exits_2_and_stores_nothing() {
    let sim = SimProcess::start(&[&account(API_KEY)]);
    let env = sim.env();
    let key_line = format!("{API_KEY}\n");
    let cases: [(&[&str], &str, &str); 7] = [
        (&["--client-id", CLIENT], "\n", "the key is empty"),
        (&["--client-id", CLIENT], "  \t \n", "the key is empty"),
        (
            &["--client-id", "12ab"],
            &key_line,
            "\"12ab\" is not a number",
        ),
        (&[], "12ab:e3f3a759\n", "\"12ab\" is not a number"),
        (&[], "1234567:e3f3:a759\n", "several colons"),
        (&[], &key_line, "the client id is missing"),
        (
            &["--password", "--client-id", CLIENT],
            " \n",
            "the password is empty",
        ),
    ];
    for (flags, line, expected) in cases {
        let dir = temp();
        let output = key_add(dir.path(), &env, flags, line);
        let said = words(&output);
        assert_eq!(exit(&output), 2, "{flags:?} {line:?}: {said}");
        assert!(said.contains(expected), "{flags:?} {line:?}: {said}");
        assert!(stored_keys(dir.path()).is_empty(), "{flags:?} {line:?}");
    }
    assert_eq!(
        sim.requests().await,
        Vec::<Value>::new(),
        "nothing reached LOX24"
    );
}

#[tokio::test]
async fn a_pasted_key_is_trimmed_and_the_user_is_told() {
    let sim = SimProcess::start(&[&account(API_KEY)]);
    let dir = temp();
    let line = format!("  \"{CLIENT}:{} {}\"\r\n", &API_KEY[..16], &API_KEY[16..]);

    let output = key_add(dir.path(), &sim.env(), &[], &line);
    let said = words(&output);
    assert_eq!(exit(&output), 0, "{said}");
    assert!(
        said.contains("removed spaces or line breaks around the key"),
        "{said}"
    );
    assert!(said.contains("removed the quotes around the key"), "{said}");
    assert!(said.contains("removed spaces inside the key"), "{said}");
    let keys = stored_keys(dir.path());
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["client_id"], CLIENT);
    assert_eq!(keys[0]["last4"], "6789");
    let seen = me_requests(&sim).await;
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].contains(&format!("\"{CLIENT}:{API_KEY}\"")),
        "{}",
        seen[0]
    );

    let clean = key_add(
        temp().path(),
        &sim.env(),
        &[],
        &format!("{CLIENT}:{API_KEY}\n"),
    );
    assert_eq!(exit(&clean), 0, "{}", words(&clean));
    assert!(
        !words(&clean).contains("removed"),
        "the end of the line is no stray character: {}",
        words(&clean)
    );
}

#[tokio::test]
async fn the_file_store_is_owner_only_and_status_says_it_is_insecure() {
    let sim = SimProcess::start(&[&account(API_KEY)]);
    let env = sim.env();
    let dir = temp();
    let data = dir.path().join("data");
    let output = key_add(&data, &env, &["--client-id", CLIENT], API_KEY);
    assert_eq!(exit(&output), 0, "{}", words(&output));

    assert_eq!(mode(&data.join("secrets.json")), 0o600);
    for name in ["keys.json", "guard.json"] {
        assert_eq!(mode(&data.join(name)) & 0o077, 0, "{name}");
    }
    assert_eq!(mode(&data) & 0o077, 0, "the data dir is the user's alone");
    let secrets = std::fs::read(data.join("secrets.json")).unwrap();
    assert!(holds(&secrets, API_KEY), "the file store holds the key");
    for (path, bytes) in files_under(&data) {
        if holds(&bytes, &API_KEY[..28]) {
            assert!(
                path.ends_with("secrets.json"),
                "{} holds the key",
                path.display()
            );
        }
    }

    let status = status_json(&data, &env);
    let insecure = warning(&status, "insecure_key_storage").expect("insecure_key_storage");
    assert!(
        insecure["action"]
            .as_str()
            .unwrap()
            .contains("credentials.store")
    );
}

#[tokio::test]
async fn a_running_server_sees_keys_added_and_removed_from_the_cli() {
    let sim = SimProcess::start(&[&account(API_KEY)]);
    let env = sim.env();
    let dir = temp();
    let bridge = Bridge::start_with_env(dir.path(), &[], &env);
    let (code, before) = bridge.api(Method::GET, "/api/status", None, &[]).await;
    assert_eq!(code, 200, "{before}");
    assert_eq!(before["configured"], false);

    let output = key_add(dir.path(), &env, &["--client-id", CLIENT], API_KEY);
    assert_eq!(exit(&output), 0, "{}", words(&output));
    let (_, added) = bridge.api(Method::GET, "/api/status", None, &[]).await;
    assert_eq!(added["configured"], true);
    assert_eq!(added["active_key"]["id"], "1");
    assert_eq!(added["active_key"]["masked"], "••••6789");

    let output = run_with(dir.path(), &env, &["key", "remove", "1"], "");
    assert_eq!(exit(&output), 0, "{}", words(&output));
    let (_, removed) = bridge.api(Method::GET, "/api/status", None, &[]).await;
    assert_eq!(removed["configured"], false);
    assert_eq!(removed["active_key"], Value::Null);
    let (_, keys) = bridge.api(Method::GET, "/api/keys", None, &[]).await;
    assert_eq!(keys["keys"], json!([]));
}

#[tokio::test]
async fn parallel_key_adds_keep_every_key() {
    let keys: Vec<String> = (0..4).map(|n| format!("{n}{}", &API_KEY[1..])).collect();
    let accounts: Vec<String> = keys.iter().map(|k| account(k)).collect();
    let accounts: Vec<&str> = accounts.iter().map(String::as_str).collect();
    let sim = SimProcess::start(&accounts);
    let env = sim.env();
    let dir = temp();

    let outputs: Vec<Output> = std::thread::scope(|scope| {
        let runs: Vec<_> = keys
            .iter()
            .enumerate()
            .map(|(n, key)| {
                let label = format!("parallel {n}");
                let (dir, env) = (dir.path(), &env);
                scope.spawn(move || {
                    key_add(
                        dir,
                        env,
                        &["--client-id", CLIENT, "--label", label.as_str()],
                        key,
                    )
                })
            })
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    });
    for output in &outputs {
        assert_eq!(exit(output), 0, "{}", words(output));
    }

    let stored = stored_keys(dir.path());
    let mut labels: Vec<&str> = stored
        .iter()
        .map(|k| k["label"].as_str().unwrap())
        .collect();
    labels.sort();
    assert_eq!(
        labels,
        ["parallel 0", "parallel 1", "parallel 2", "parallel 3"]
    );
    let mut ids: Vec<&str> = stored.iter().map(|k| k["id"].as_str().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, ["1", "2", "3", "4"]);
    let secrets: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("secrets.json")).unwrap())
            .expect("secrets.json is JSON");
    assert_eq!(secrets.as_object().unwrap().len(), 4);

    let output = run_with(dir.path(), &env, &["key", "list", "--json"], "");
    assert_eq!(exit(&output), 0, "{}", words(&output));
    let list: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(list["keys"].as_array().unwrap().len(), 4);
    let active = list["active"].as_str().unwrap();
    assert!(ids.contains(&active), "{active}");
    for (key, label) in keys
        .iter()
        .zip(["parallel 0", "parallel 1", "parallel 2", "parallel 3"])
    {
        let record = stored.iter().find(|k| k["label"] == label).unwrap();
        assert_eq!(record["last4"], &key[28..]);
    }
}
