//! The LOX24 simulator, black-box over HTTP: it accepts what the reference accepts,
//! rejects what it rejects, answers in the documented shapes, blocks an IP after bad
//! credentials, and its test controls and command line work as documented.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{CLIENT_ID, KEY, T0, WRONG_KEY, http, simulator};
use serde_json::{Value, json};
use sms_bridge::simulator::{DRY_RUN_UUID, SimulatorHandle};

/// The fields of an SMS object, exactly as the reference lists them (§2.2).
const SMS_FIELDS: [&str; 25] = [
    "uuid",
    "text",
    "sender_id",
    "phone",
    "delivery_at",
    "status_code",
    "dlr_code",
    "gateway_sent_at",
    "is_sent",
    "source",
    "ip",
    "created_at",
    "is_unicode",
    "is_text_deleted",
    "iso2",
    "voice_lang",
    "parts_count",
    "chars_count",
    "callback_data",
    "bulk_id",
    "key_id",
    "service_code",
    "price",
    "requests",
    "clicks",
];

struct Answer {
    status: u16,
    request_id: Option<String>,
    content_type: String,
    body: Value,
}

async fn call(
    sim: &SimulatorHandle,
    method: reqwest::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let mut request = http().request(method, format!("{}{path}", sim.base_url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("simulator answers");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let request_id = header("x-lox24-request-id");
    let content_type = header("content-type").unwrap_or_default();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        request_id,
        content_type,
        body,
    }
}

const AUTH: (&str, &str) = (
    "X-LOX24-AUTH-TOKEN",
    "1234567:e3f3a759b6677959b6ebfc0123456789",
);

async fn post_sms(sim: &SimulatorHandle, body: Value) -> Answer {
    call(sim, reqwest::Method::POST, "/sms", &[AUTH], Some(body)).await
}

async fn get(sim: &SimulatorHandle, path: &str, headers: &[(&str, &str)]) -> Answer {
    call(sim, reqwest::Method::GET, path, headers, None).await
}

fn sms(phone: &str, text: &str) -> Value {
    json!({"sender_id": "Office", "phone": phone, "text": text})
}

fn violated_fields(answer: &Answer) -> Vec<String> {
    answer.body["violations"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|v| v["propertyPath"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn keys(body: &Value) -> Vec<String> {
    let mut keys: Vec<String> = body.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

fn sorted(fields: &[&str]) -> Vec<String> {
    let mut fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
    fields.sort();
    fields
}

#[tokio::test]
async fn a_created_sms_has_exactly_the_documented_fields() {
    let (sim, _) = simulator().await;
    let answer = post_sms(&sim, sms("+491701234567", "Hello! This is a test SMS.")).await;

    assert_eq!(answer.status, 201);
    assert_eq!(keys(&answer.body), sorted(&SMS_FIELDS));
    let body = &answer.body;
    assert_eq!(
        (body["status_code"].as_i64(), body["dlr_code"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        (body["is_sent"].as_bool(), body["gateway_sent_at"].as_i64()),
        (Some(false), Some(0))
    );
    assert_eq!(body["created_at"], T0);
    assert_eq!(
        (body["iso2"].as_str(), body["ip"].as_str()),
        (Some("DE"), Some("127.0.0.1"))
    );
    let uuid = body["uuid"].as_str().unwrap();
    assert_eq!(body["requests"], format!("/sms/{uuid}/requests"));
    assert!(answer.content_type.starts_with("application/json"));

    let ld = [AUTH, ("Accept", "application/ld+json")];
    let read = get(&sim, &format!("/sms/{uuid}"), &ld).await;
    let mut with_ld = SMS_FIELDS.to_vec();
    with_ld.extend(["@context", "@id", "@type"]);
    assert_eq!(keys(&read.body), sorted(&with_ld));
    assert_eq!(read.body["@id"], format!("/sms/{uuid}"));
    assert!(read.content_type.starts_with("application/ld+json"));
}

#[tokio::test]
async fn both_auth_header_forms_are_accepted_and_anything_else_is_401() {
    let (sim, _) = simulator().await;
    assert_eq!(get(&sim, "/me", &[AUTH]).await.status, 200);
    let legacy = [
        ("X-LOX24-AUTH-TOKEN", KEY),
        ("X-LOX24-CLIENT-ID", CLIENT_ID),
    ];
    assert_eq!(get(&sim, "/me", &legacy).await.status, 200);

    let key_without_id = [("X-LOX24-AUTH-TOKEN", KEY)];
    let unauthenticated = get(&sim, "/me", &key_without_id).await;
    assert_eq!(unauthenticated.status, 401);
    assert!(
        unauthenticated.body["detail"]
            .as_str()
            .unwrap()
            .contains("invalid")
    );
    assert_eq!(get(&sim, "/me", &[]).await.status, 401);
}

#[tokio::test]
async fn more_than_three_bad_credentials_in_a_minute_block_the_ip_for_ten_minutes() {
    let (sim, clock) = simulator().await;
    let wrong = format!("{CLIENT_ID}:{WRONG_KEY}");
    let wrong = [("X-LOX24-AUTH-TOKEN", wrong.as_str())];
    for _ in 0..3 {
        assert_eq!(get(&sim, "/me", &wrong).await.status, 401);
    }
    clock.advance(61);
    assert_eq!(get(&sim, "/me", &wrong).await.status, 401);
    assert_eq!(
        get(&sim, "/me", &[AUTH]).await.status,
        200,
        "old failures expired"
    );

    for _ in 0..3 {
        assert_eq!(get(&sim, "/me", &wrong).await.status, 401);
    }
    let blocked = get(&sim, "/me", &[AUTH]).await;
    assert_eq!(
        blocked.status, 429,
        "the fourth failure within a minute blocks"
    );
    assert!(blocked.request_id.is_some());
    clock.advance(599);
    assert_eq!(get(&sim, "/me", &[AUTH]).await.status, 429);
    clock.advance(1);
    assert_eq!(get(&sim, "/me", &[AUTH]).await.status, 200);
}

#[tokio::test]
async fn bad_credentials_during_a_block_keep_it_going() {
    let (sim, clock) = simulator().await;
    let wrong = format!("{CLIENT_ID}:{WRONG_KEY}");
    let wrong = [("X-LOX24-AUTH-TOKEN", wrong.as_str())];
    for _ in 0..4 {
        get(&sim, "/me", &wrong).await;
    }
    clock.advance(500);
    assert_eq!(get(&sim, "/me", &wrong).await.status, 429);
    clock.advance(500);
    assert_eq!(get(&sim, "/me", &[AUTH]).await.status, 429);
}

#[tokio::test]
async fn the_simulator_rejects_what_the_reference_rejects() {
    let (sim, _) = simulator().await;
    let ok = "+491701234567";
    let cases: Vec<(Value, &str)> = vec![
        (json!({"phone": ok, "text": "x"}), "sender_id"),
        (json!({"sender_id": "Office", "text": "x"}), "phone"),
        (json!({"sender_id": "Office", "phone": ok}), "text"),
        (sms(ok, "x").merge("sender_id", json!("Büro")), "sender_id"),
        (
            sms(ok, "x").merge("sender_id", json!("Office_Team")),
            "sender_id",
        ),
        (
            sms(ok, "x").merge("sender_id", json!("TwelveLetter")),
            "sender_id",
        ),
        (sms("+49 170 1234567", "x"), "phone"),
        (sms("+0170", "x"), "phone"),
        (
            sms(ok, "x").merge("service_code", json!("economy")),
            "service_code",
        ),
        (
            sms(ok, "x").merge("callback_data", json!("c".repeat(37))),
            "callback_data",
        ),
        (sms(ok, &"a".repeat(1531)), "text"),
        (sms(ok, &"€".repeat(766)), "text"),
        (sms(ok, &"ж".repeat(671)), "text"),
        (
            sms(ok, "x").merge("delivery_at", json!("tomorrow")),
            "delivery_at",
        ),
    ];
    for (body, field) in cases {
        let answer = post_sms(&sim, body.clone()).await;
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(violated_fields(&answer), [field], "{body}");
        let detail = answer.body["detail"].as_str().unwrap();
        assert!(detail.starts_with(&format!("{field}: ")), "{detail}");
    }

    let not_json = call(&sim, reqwest::Method::POST, "/sms", &[AUTH], None).await;
    assert_eq!(
        (not_json.status, not_json.body["detail"].as_str()),
        (400, Some("Syntax error"))
    );
    assert!(sim.sim().messages().is_empty());
    assert_eq!(get(&sim, "/me", &[AUTH]).await.body["balance_amount"], 10.0);
}

#[tokio::test]
async fn the_simulator_accepts_what_the_reference_accepts() {
    let (sim, _) = simulator().await;
    let cases: Vec<(Value, &str, i64)> = vec![
        (sms("00491701234567", "x"), "+491701234567", 1),
        (sms("491701234567", "x"), "+491701234567", 1),
        (sms("01701234567", "x"), "+491701234567", 1),
        (sms("+14155552671", "x"), "+14155552671", 1),
        (sms("+491701234567", &"a".repeat(1530)), "+491701234567", 10),
        (sms("+491701234567", &"ж".repeat(670)), "+491701234567", 10),
        (sms("+491701234567", &"a".repeat(160)), "+491701234567", 1),
        (sms("+491701234567", &"ж".repeat(70)), "+491701234567", 1),
        (
            sms("+491701234567", "x").merge("callback_data", json!("c".repeat(36))),
            "+491701234567",
            1,
        ),
        (
            sms("+491701234567", "x").merge("sender_id", json!("+491709999999")),
            "+491701234567",
            1,
        ),
        (
            sms("+491701234567", "x").merge("service_code", json!("text2speech")),
            "+491701234567",
            1,
        ),
    ];
    for (body, phone, parts) in cases {
        let answer = post_sms(&sim, body.clone()).await;
        assert_eq!(answer.status, 201, "{body} -> {}", answer.body);
        assert_eq!(answer.body["phone"], phone, "{body}");
        assert_eq!(answer.body["parts_count"], parts, "{body}");
    }
}

#[tokio::test]
async fn encoding_is_detected_forced_or_transliterated() {
    let (sim, _) = simulator().await;
    let umlauts = post_sms(&sim, sms("+491701234567", "Grüße aus Köln, 5€")).await;
    assert_eq!(umlauts.body["is_unicode"], false);
    let emoji = post_sms(&sim, sms("+491701234567", "Hi 😀")).await;
    assert_eq!(emoji.body["is_unicode"], true);
    let forced = sms("+491701234567", "it`s – fine").merge("is_unicode", json!(false));
    let forced = post_sms(&sim, forced).await;
    assert_eq!(forced.body["text"], "it's - fine");
    assert_eq!(forced.body["is_unicode"], false);
}

#[tokio::test]
async fn the_price_is_parts_times_rate_and_is_debited() {
    let (sim, _) = simulator().await;
    let answer = post_sms(&sim, sms("+491701234567", &"a".repeat(161))).await;
    assert_eq!(
        (
            answer.body["parts_count"].as_i64(),
            answer.body["price"].as_f64()
        ),
        (Some(2), Some(0.14))
    );
    let me = get(&sim, "/me", &[AUTH]).await;
    assert_eq!(me.body["balance_amount"], 9.86);
    assert_eq!(me.body["balance_changed_at"], T0);
    assert_eq!(
        keys(&me.body),
        sorted(&[
            "id",
            "currency",
            "balance_amount",
            "balance_changed_at",
            "is_text_deleted",
            "services",
            "groups"
        ])
    );
}

#[tokio::test]
async fn too_little_balance_is_402_except_for_a_dry_run() {
    let (sim, _) = simulator().await;
    let update = json!({"balance": 0.1});
    let url = format!("{}/_sim/accounts/{CLIENT_ID}", sim.base_url());
    let changed = http().post(url).json(&update).send().await.unwrap();
    assert_eq!(changed.status(), 200);

    let long = sms("+491701234567", &"a".repeat(161));
    let refused = post_sms(&sim, long.clone()).await;
    assert_eq!(refused.status, 402);
    assert!(refused.request_id.is_some());
    let dry = call(
        &sim,
        reqwest::Method::POST,
        "/sms/dryrun",
        &[AUTH],
        Some(long),
    )
    .await;
    assert_eq!(dry.status, 201);
    assert_eq!(dry.body["uuid"], DRY_RUN_UUID);
    assert_eq!(dry.body["price"], 0.14);
    assert_eq!(keys(&dry.body), sorted(&SMS_FIELDS));
    assert_eq!(get(&sim, "/me", &[AUTH]).await.body["balance_amount"], 0.1);
    assert_eq!(
        get(&sim, &format!("/sms/{DRY_RUN_UUID}"), &[AUTH])
            .await
            .status,
        404
    );
    assert!(sim.sim().messages().is_empty());
}

#[tokio::test]
async fn a_forbidden_account_gets_403_on_everything() {
    let (sim, _) = simulator().await;
    let url = format!("{}/_sim/accounts/{CLIENT_ID}", sim.base_url());
    http()
        .post(url)
        .json(&json!({"forbidden": true}))
        .send()
        .await
        .unwrap();
    let me = get(&sim, "/me", &[AUTH]).await;
    assert_eq!(me.status, 403);
    assert!(me.body["detail"].as_str().unwrap().contains("activated"));
    assert_eq!(post_sms(&sim, sms("+491701234567", "x")).await.status, 403);
}

#[tokio::test]
async fn every_answer_carries_a_32_hex_request_id() {
    let (sim, _) = simulator().await;
    let answers = [
        get(&sim, "/me", &[AUTH]).await,
        get(&sim, "/me", &[]).await,
        get(&sim, "/sms/nope", &[AUTH]).await,
        get(&sim, "/nowhere", &[AUTH]).await,
        post_sms(&sim, json!({})).await,
    ];
    for answer in answers {
        let id = answer.request_id.expect("request id");
        assert_eq!(id.len(), 32);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }
}

#[tokio::test]
async fn errors_follow_the_accept_header() {
    let (sim, _) = simulator().await;
    let ld = [AUTH, ("Accept", "application/ld+json")];
    let invalid = call(&sim, reqwest::Method::POST, "/sms", &ld, Some(json!({}))).await;
    assert_eq!(invalid.body["@type"], "ConstraintViolationList");
    assert!(
        invalid.body["hydra:description"]
            .as_str()
            .unwrap()
            .contains("sender_id")
    );
    let missing = get(&sim, "/sms/nope", &ld).await;
    assert_eq!(missing.body["@type"], "hydra:Error");
    let plain = get(&sim, "/sms/nope", &[AUTH]).await;
    assert_eq!(plain.body["title"], "An error occurred");
    assert_eq!(plain.body["detail"], "Resource not found");
}

#[tokio::test]
async fn lists_filter_by_callback_data_in_both_formats() {
    let (sim, clock) = simulator().await;
    post_sms(
        &sim,
        sms("+491701234567", "one").merge("callback_data", json!("a")),
    )
    .await;
    clock.advance(1);
    post_sms(
        &sim,
        sms("+491701234567", "two").merge("callback_data", json!("b")),
    )
    .await;
    clock.advance(1);
    post_sms(
        &sim,
        sms("+491701234567", "three").merge("callback_data", json!("a")),
    )
    .await;

    let plain = get(&sim, "/sms?callback_data=a", &[AUTH]).await;
    let texts: Vec<&str> = plain
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["three", "one"], "newest first");
    let ld = [AUTH, ("Accept", "application/ld+json")];
    let hydra = get(&sim, "/sms?callback_data[]=b", &ld).await;
    assert_eq!(hydra.body["hydra:totalItems"], 1);
    assert_eq!(hydra.body["hydra:member"][0]["text"], "two");
}

#[tokio::test]
async fn batch_cancel_stops_only_scheduled_messages_and_delete_removes() {
    let (sim, _) = simulator().await;
    let later = sms("+491701234567", "later").merge("delivery_at", json!(T0 + 600));
    let later = post_sms(&sim, later).await.body["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let now = post_sms(&sim, sms("+491701234567", "now")).await;
    let now = now.body["uuid"].as_str().unwrap().to_string();

    let path = format!("/sms/ops/batch_cancel?uuid[]={later}&uuid[]={now}");
    let cancelled = call(&sim, reqwest::Method::POST, &path, &[AUTH], None).await;
    assert_eq!(
        (cancelled.status, cancelled.body.clone()),
        (200, json!({"deleted_sms_count": 1}))
    );
    assert_eq!(
        get(&sim, &format!("/sms/{later}"), &[AUTH]).await.body["status_code"],
        6000
    );
    assert_eq!(
        get(&sim, "/me", &[AUTH]).await.body["balance_amount"],
        9.93,
        "refunded"
    );

    let delete = call(
        &sim,
        reqwest::Method::DELETE,
        &format!("/sms/{now}"),
        &[AUTH],
        None,
    )
    .await;
    assert_eq!(delete.status, 204);
    assert_eq!(get(&sim, &format!("/sms/{now}"), &[AUTH]).await.status, 404);
    let again = call(
        &sim,
        reqwest::Method::DELETE,
        &format!("/sms/{now}"),
        &[AUTH],
        None,
    )
    .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn status_moves_on_when_the_clock_is_advanced_over_http() {
    let (sim, _) = simulator().await;
    let uuid = post_sms(&sim, sms("+491701230008", "x")).await.body["uuid"].clone();
    let uuid = uuid.as_str().unwrap();
    let advance = |seconds: i64| {
        let url = format!("{}/_sim/advance", sim.base_url());
        async move {
            http()
                .post(url)
                .json(&json!({"seconds": seconds}))
                .send()
                .await
                .unwrap()
        }
    };

    advance(1).await;
    let read = get(&sim, &format!("/sms/{uuid}"), &[AUTH]).await.body;
    assert_eq!(
        (read["status_code"].as_i64(), read["dlr_code"].as_i64()),
        (Some(100), Some(4))
    );
    assert_eq!(read["gateway_sent_at"], T0 + 1);
    advance(2).await;
    let read = get(&sim, &format!("/sms/{uuid}"), &[AUTH]).await.body;
    assert_eq!(read["dlr_code"], 8, "numbers ending in 0008 expire");
}

#[tokio::test]
async fn the_request_log_masks_unknown_keys_and_misbehaviour_is_queued_over_http() {
    let (sim, _) = simulator().await;
    let base = sim.base_url().to_string();
    let wrong = format!("{CLIENT_ID}:{WRONG_KEY}");
    get(&sim, "/me?x=1", &[("X-LOX24-AUTH-TOKEN", wrong.as_str())]).await;
    let log: Value = http()
        .get(format!("{base}/_sim/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = &log[0];
    assert_eq!(
        (entry["method"].as_str(), entry["path"].as_str()),
        (Some("GET"), Some("/me"))
    );
    assert_eq!(entry["query"], "x=1");
    assert_eq!(
        entry["headers"]["x-lox24-auth-token"],
        format!("{CLIENT_ID}:••••0bad")
    );
    assert_eq!(entry["time"], T0);

    let rule = json!({"action": "status", "status": 503, "path": "/me", "process": false});
    let queued = http()
        .post(format!("{base}/_sim/misbehave"))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), 204);
    assert_eq!(get(&sim, "/me", &[AUTH]).await.status, 503);
    assert_eq!(
        get(&sim, "/me", &[AUTH]).await.status,
        200,
        "the rule applied once"
    );

    let drop = json!({"action": "drop", "path": "/sms"});
    http()
        .post(format!("{base}/_sim/misbehave"))
        .json(&drop)
        .send()
        .await
        .unwrap();
    let dropped = http()
        .post(format!("{base}/sms"))
        .header(AUTH.0, AUTH.1)
        .json(&sms("+491701234567", "x"))
        .send()
        .await;
    assert!(
        dropped.is_err(),
        "the connection is dropped without an answer"
    );
    assert_eq!(sim.sim().messages().len(), 1, "stored before the drop");

    let malformed = json!({"action": "malformed", "path": "/me"});
    http()
        .post(format!("{base}/_sim/misbehave"))
        .json(&malformed)
        .send()
        .await
        .unwrap();
    let answer = get(&sim, "/me", &[AUTH]).await;
    assert_eq!((answer.status, answer.body.clone()), (200, Value::Null));

    let cleared = http()
        .delete(format!("{base}/_sim/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(cleared.status(), 204);
    assert!(sim.sim().requests().is_empty());
}

#[tokio::test]
async fn requests_for_another_host_name_are_refused() {
    let (sim, _) = simulator().await;
    let url = format!("{}/_sim/requests", sim.base_url());
    let answer = http()
        .get(url)
        .header("Host", "attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 421);
}

#[test]
fn the_binary_prints_its_address_and_accounts_and_stops_on_sigterm() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sms-bridge"))
        .args(["simulator", "--account", &format!("{CLIENT_ID}:{KEY}")])
        .env("SMS_BRIDGE_DATA_DIR", data_dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("simulator listening on ")
        .expect(&first)
        .to_string();
    let account = lines.next().unwrap().unwrap();
    assert!(
        account.starts_with(&format!("account {CLIENT_ID}:••••6789")),
        "{account}"
    );
    assert!(!account.contains(KEY));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = runtime.block_on(async {
        let answer = http()
            .get(format!("{base}/me"))
            .header(AUTH.0, AUTH.1)
            .send()
            .await;
        answer.unwrap().status().as_u16()
    });
    assert_eq!(status, 200);

    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    assert!(child.wait().unwrap().success());
}

#[test]
fn the_binary_refuses_a_malformed_account_without_echoing_it() {
    let data_dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_sms-bridge"))
        .args(["simulator", "--account", "office:secretkey"])
        .env("SMS_BRIDGE_DATA_DIR", data_dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("CLIENT_ID:KEY") && !stderr.contains("secretkey"),
        "{stderr}"
    );
}

/// `json!` bodies with one field replaced.
trait Merge {
    fn merge(self, field: &str, value: Value) -> Value;
}

impl Merge for Value {
    fn merge(mut self, field: &str, value: Value) -> Value {
        self[field] = value;
        self
    }
}
