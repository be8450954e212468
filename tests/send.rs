//! Black-box tests of sending through the local API: what reaches LOX24 is what the
//! preview showed, a repeated Idempotency-Key sends nothing, an account-level failure
//! stops the batch, a crash in the middle of a batch never sends anyone twice, and
//! scheduled messages can be cancelled.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{Bridge, SimProcess};
use reqwest::Method;
use serde_json::{Value, json};

const ACCOUNT: &str = "1234567:e3f3a759b6677959b6ebfc0123456789";

/// A bridge talking to `sim`, with the account's key added and active.
async fn bridge_with_key(sim: &SimProcess, dir: &std::path::Path) -> Bridge {
    let env = sim.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let bridge = Bridge::start_with_env(dir, &[], &env);
    let (status, body) = bridge
        .api(
            Method::POST,
            "/api/keys",
            Some(json!({ "key": ACCOUNT })),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    bridge
}

fn sms_posts(requests: &[Value]) -> Vec<Value> {
    requests
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/sms")
        .map(|r| serde_json::from_str(r["body"].as_str().unwrap()).unwrap())
        .collect()
}

fn states(report: &Value) -> Vec<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap().into())
        .collect()
}

#[tokio::test]
async fn upstream_requests_carry_exactly_what_the_preview_showed() {
    let sim = SimProcess::start(&[ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge_with_key(&sim, dir.path()).await;
    let text = "Termin morgen um 10:00\r\nGrüße, Ihre Praxis 😀";

    let (status, preview) = bridge
        .api(
            Method::POST,
            "/api/sms/preview",
            Some(json!({ "text": text })),
            &[],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(preview["encoding"], "ucs2");
    let body = json!({
        "text": text,
        "to": "0170 1234567; +43 664 1234567, not-a-number",
        "sender_id": "Praxis",
    });
    let (status, report) = bridge
        .api(
            Method::POST,
            "/api/sms",
            Some(body),
            &[("Idempotency-Key", "m-1")],
        )
        .await;
    assert_eq!(status, 200, "{report}");

    assert_eq!(states(&report), ["sent", "sent", "failed"]);
    let invalid = &report["results"][2];
    assert_eq!(invalid["input"], "not-a-number");
    assert!(
        invalid["error"]["code"]
            .as_str()
            .unwrap()
            .starts_with("phone_")
    );
    assert!(invalid["uuid"].is_null());

    let posts = sms_posts(&sim.requests().await);
    assert_eq!(posts.len(), 2, "the invalid number never reaches LOX24");
    let phones: Vec<_> = posts.iter().map(|p| p["phone"].as_str().unwrap()).collect();
    assert_eq!(phones, ["+491701234567", "+436641234567"]);
    for post in &posts {
        assert_eq!(
            post["text"], "Termin morgen um 10:00\nGrüße, Ihre Praxis 😀",
            "CRLF sent as LF"
        );
        assert_eq!(post["is_unicode"], true, "billed as the preview said");
        assert_eq!(post["sender_id"], "Praxis");
        assert_eq!(post["service_code"], "direct");
        assert_eq!(post["callback_data"].as_str().unwrap().len(), 36);
    }
    for (result, post) in report["results"].as_array().unwrap().iter().zip(&posts) {
        assert_eq!(
            result["parts"], preview["parts"],
            "LOX24 counted the parts we showed"
        );
        assert!(result["request_id"].as_str().unwrap().len() == 32);
        assert_ne!(post["callback_data"], Value::Null);
    }
}

#[tokio::test]
async fn a_repeated_idempotency_key_sends_nothing_and_answers_the_first_result() {
    let sim = SimProcess::start(&[ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge_with_key(&sim, dir.path()).await;
    let body = json!({ "text": "Hallo", "to": ["0170 1234567"], "sender_id": "Praxis" });
    let key = [("Idempotency-Key", "same-click")];

    let (_, first) = bridge
        .api(Method::POST, "/api/sms", Some(body.clone()), &key)
        .await;
    let (_, second) = bridge
        .api(Method::POST, "/api/sms", Some(body.clone()), &key)
        .await;
    assert_eq!(first["message_id"], second["message_id"]);
    assert_eq!(first["results"][0]["uuid"], second["results"][0]["uuid"]);
    assert_eq!(sim.count("POST", "/sms").await, 1);

    let other = json!({ "text": "Anders", "to": ["0170 1234567"], "sender_id": "Praxis" });
    let (status, error) = bridge
        .api(Method::POST, "/api/sms", Some(other), &key)
        .await;
    assert_eq!(status, 422);
    assert_eq!(error["error"]["code"], "idempotency_key_reused");
    assert_eq!(sim.count("POST", "/sms").await, 1);
}

#[tokio::test]
async fn a_double_click_sends_once() {
    let sim = SimProcess::start(&[ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge_with_key(&sim, dir.path()).await;
    let body =
        json!({ "text": "Hallo", "to": ["0170 1234567", "0170 7654321"], "sender_id": "Praxis" });
    let key = [("Idempotency-Key", "double-click")];

    let (a, b) = tokio::join!(
        bridge.api(Method::POST, "/api/sms", Some(body.clone()), &key),
        bridge.api(Method::POST, "/api/sms", Some(body.clone()), &key),
    );
    assert_eq!(a.0, 200, "{}", a.1);
    assert_eq!(b.0, 200, "{}", b.1);
    assert_eq!(a.1["message_id"], b.1["message_id"]);
    assert_eq!(
        sim.count("POST", "/sms").await,
        2,
        "one request per recipient, not per click"
    );
}

#[tokio::test]
async fn no_funds_in_the_middle_stops_the_batch() {
    let sim = SimProcess::start(&[ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge_with_key(&sim, dir.path()).await;
    assert_eq!(
        sim.post("/_sim/accounts/1234567", json!({ "balance": 0.21 }))
            .await,
        200
    );
    let to: Vec<String> = (0..10).map(|i| format!("0170 12345{i:02}")).collect();
    let body = json!({ "text": "Hallo", "to": to, "sender_id": "Praxis" });

    let (status, report) = bridge.api(Method::POST, "/api/sms", Some(body), &[]).await;
    assert_eq!(status, 200, "{report}");
    let states = states(&report);
    let count = |state: &str| states.iter().filter(|s| *s == state).count();
    assert_eq!(count("sent"), 3, "{states:?}");
    assert!(count("failed") >= 1, "{states:?}");
    assert_eq!(
        count("sent") + count("failed") + count("not_attempted"),
        10,
        "{states:?}"
    );
    assert!(
        count("not_attempted") >= 5,
        "the rest is not tried one by one: {states:?}"
    );
    let failed: Vec<_> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["state"] == "failed")
        .map(|r| r["error"]["code"].as_str().unwrap().to_string())
        .collect();
    assert!(failed.iter().all(|code| code == "no_funds"), "{failed:?}");
    let posts = sim.count("POST", "/sms").await;
    assert_eq!(
        posts,
        count("sent") + count("failed"),
        "not-attempted ones made no request"
    );
}

#[tokio::test]
async fn a_timeout_after_lox24_accepted_is_unknown_then_reconciled_not_resent() {
    let sim = SimProcess::start(&[ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let env = sim.env();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.push(("SMS_BRIDGE_GATEWAY__TIMEOUT_S", "1"));
    let bridge = Bridge::start_with_env(dir.path(), &[], &env);
    let (status, _) = bridge
        .api(
            Method::POST,
            "/api/keys",
            Some(json!({ "key": ACCOUNT })),
            &[],
        )
        .await;
    assert_eq!(status, 201);
    let rule = json!({ "action": "delay", "method": "POST", "path": "/sms", "delay_ms": 2500 });
    assert_eq!(sim.post("/_sim/misbehave", rule).await, 204);

    let body = json!({ "text": "Hallo", "to": ["0170 1234567"], "sender_id": "Praxis" });
    let (_, report) = bridge.api(Method::POST, "/api/sms", Some(body), &[]).await;
    assert_eq!(states(&report), ["unknown"]);
    let id = report["message_id"].as_str().unwrap().to_string();

    let (_, refreshed) = bridge
        .api(
            Method::POST,
            &format!("/api/history/{id}/refresh"),
            Some(json!({})),
            &[],
        )
        .await;
    assert_eq!(states(&refreshed), ["sent"], "{refreshed}");
    assert!(refreshed["results"][0]["uuid"].is_string());
    assert_eq!(
        sim.count("POST", "/sms").await,
        1,
        "looked up, never sent again"
    );
}

#[tokio::test]
async fn a_crash_in_the_middle_of_a_batch_sends_nobody_twice_and_accounts_for_everyone() {
    let sim = SimProcess::start(&[ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge_with_key(&sim, dir.path()).await;
    let rule = json!({
        "action": "delay", "method": "POST", "path": "/sms", "delay_ms": 400, "times": null,
    });
    assert_eq!(sim.post("/_sim/misbehave", rule).await, 204);
    let to: Vec<String> = (0..20).map(|i| format!("0170 12345{i:02}")).collect();
    let body = json!({ "text": "Hallo", "to": to, "sender_id": "Praxis" });

    let token = common::page_token(&bridge).await;
    let client = bridge.client();
    let url = bridge.url("/api/sms");
    let send = tokio::spawn(async move {
        let request = client
            .post(url)
            .header("X-SMS-Bridge-Token", token)
            .json(&body);
        let _ = request.send().await;
    });
    while sim.count("POST", "/sms").await < 5 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bridge.kill();
    let _ = send.await;

    let env = sim.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let restarted = Bridge::start_with_env(dir.path(), &[], &env);
    // The bridge reconciles at start, and again while the guard still counts the
    // requests the killed process left in flight.
    let report = loop {
        let (status, history) = restarted.api(Method::GET, "/api/history", None, &[]).await;
        assert_eq!(status, 200, "{history}");
        let report = history["messages"][0].clone();
        let open = states(&report)
            .iter()
            .any(|s| s == "pending" || s == "unknown");
        if !open {
            break report;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };

    let stored = sim.get("/_sim/sms").await;
    let mut per_phone: HashMap<String, usize> = HashMap::new();
    for sms in stored.as_array().unwrap() {
        *per_phone
            .entry(sms["phone"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(
        per_phone.values().all(|n| *n == 1),
        "nobody got it twice: {per_phone:?}"
    );
    for result in report["results"].as_array().unwrap() {
        let phone = result["phone"].as_str().unwrap();
        match result["state"].as_str().unwrap() {
            "sent" => assert_eq!(per_phone.get(phone), Some(&1), "{phone} sent and stored"),
            "not_attempted" | "failed" => assert_eq!(per_phone.get(phone), None, "{phone}"),
            other => panic!("{phone} left {other}"),
        }
    }
    let sent = states(&report).iter().filter(|s| *s == "sent").count();
    assert_eq!(sent, per_phone.len(), "every stored SMS is reported sent");
    assert!(
        sent >= 1 && sent < 20,
        "the crash hit the middle: {sent} sent"
    );
}

#[tokio::test]
async fn a_scheduled_message_can_be_cancelled() {
    let sim = SimProcess::start(&[ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge_with_key(&sim, dir.path()).await;
    let body = json!({
        "text": "Erinnerung", "to": ["0170 1234567"], "sender_id": "Praxis",
        "at": "2031-01-01T09:00:00+01:00",
    });
    let (_, report) = bridge.api(Method::POST, "/api/sms", Some(body), &[]).await;
    assert_eq!(states(&report), ["scheduled"], "{report}");
    assert_eq!(report["delivery_at"], 1925020800);
    let id = report["message_id"].as_str().unwrap().to_string();

    let (status, cancelled) = bridge
        .api(
            Method::POST,
            &format!("/api/history/{id}/cancel"),
            Some(json!({})),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(states(&cancelled), ["cancelled"]);
    let posts = sms_posts(&sim.requests().await);
    assert_eq!(posts[0]["delivery_at"], 1925020800);
}

#[tokio::test]
async fn refresh_reports_the_delivery_in_words() {
    let sim = SimProcess::start(&[ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge_with_key(&sim, dir.path()).await;
    let body =
        json!({ "text": "Hallo", "to": ["0170 1230016", "0170 1234567"], "sender_id": "Praxis" });
    let (_, report) = bridge.api(Method::POST, "/api/sms", Some(body), &[]).await;
    let id = report["message_id"].as_str().unwrap().to_string();
    sim.post("/_sim/advance", json!({ "seconds": 10 })).await;

    let (_, refreshed) = bridge
        .api(
            Method::POST,
            &format!("/api/history/{id}/refresh"),
            Some(json!({})),
            &[],
        )
        .await;
    let words: Vec<_> = refreshed["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["delivery"]["words"].clone())
        .collect();
    assert_eq!(words, [json!("rejected"), json!("delivered")]);
    let (_, history) = bridge.api(Method::GET, "/api/history", None, &[]).await;
    assert_eq!(
        history["messages"][0]["results"][1]["delivery"]["dlr_code"],
        1
    );
}

#[tokio::test]
async fn bad_drafts_name_the_field_and_send_nothing() {
    let sim = SimProcess::start(&[ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge_with_key(&sim, dir.path()).await;
    let cases = [
        (
            json!({ "text": "  \n ", "to": ["0170 1234567"], "sender_id": "P" }),
            "text",
        ),
        (
            json!({ "text": "a\u{0}b", "to": ["0170 1234567"], "sender_id": "P" }),
            "text",
        ),
        (
            json!({ "text": "x".repeat(1531), "to": ["0170 1234567"], "sender_id": "P" }),
            "text",
        ),
        (json!({ "text": "Hallo", "to": [], "sender_id": "P" }), "to"),
        (
            json!({ "text": "Hallo", "to": ["abc"], "sender_id": "P" }),
            "to",
        ),
        (
            json!({ "text": "Hallo", "to": ["0170 1234567"], "sender_id": "Müller!" }),
            "sender_id",
        ),
        (
            json!({
                "text": "Hallo", "to": ["0170 1234567"], "sender_id": "P",
                "at": "2001-01-01T00:00:00Z",
            }),
            "at",
        ),
        (
            json!({ "text": "Hallo", "to": ["0170 1234567"], "sender_id": "P", "at": "soon" }),
            "at",
        ),
    ];
    for (body, field) in cases {
        let (status, error) = bridge
            .api(Method::POST, "/api/sms", Some(body.clone()), &[])
            .await;
        assert_eq!(status, 400, "{body}: {error}");
        assert_eq!(error["error"]["field"], field, "{body}: {error}");
    }
    let many: Vec<String> = (0..51).map(|i| format!("0170 12345{i:02}")).collect();
    let body = json!({ "text": "Hallo", "to": many, "sender_id": "P" });
    let (status, error) = bridge.api(Method::POST, "/api/sms", Some(body), &[]).await;
    assert_eq!(status, 400);
    assert_eq!(error["error"]["code"], "too_many_recipients");
    assert_eq!(sim.count("POST", "/sms").await, 0);
    let (_, history) = bridge.api(Method::GET, "/api/history", None, &[]).await;
    assert_eq!(history["messages"], json!([]), "nothing recorded as sent");
}

#[tokio::test]
async fn the_cli_sends_and_lists_the_history() {
    let sim = SimProcess::start(&[ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let env = sim.env();
    let added = common::run_with(dir.path(), &env, &["key", "add"], &format!("{ACCOUNT}\n"));
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    let args = [
        "send",
        "--to",
        "0170 1234567",
        "--text",
        "Hallo",
        "--from",
        "Praxis",
        "--json",
    ];
    let sent = common::run_with(dir.path(), &env, &args, "");
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let report: Value = serde_json::from_slice(&sent.stdout).unwrap();
    assert_eq!(report["results"][0]["state"], "sent");
    assert_eq!(report["results"][0]["phone"], "+491701234567");

    let bad = common::run_with(
        dir.path(),
        &env,
        &["send", "--to", "1", "--text", "x", "--from", "P"],
        "",
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("to:"));

    let history = common::run_with(dir.path(), &env, &["history", "--json"], "");
    let history: Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(history["messages"][0]["message_id"], report["message_id"]);
    assert!(history["messages"][0]["results"][0]["delivery"]["words"] != "delivered");

    sim.post("/_sim/advance", json!({ "seconds": 10 })).await;
    let args = ["history", "--refresh", "--json"];
    let refreshed = common::run_with(dir.path(), &env, &args, "");
    let refreshed: Value = serde_json::from_slice(&refreshed.stdout).unwrap();
    assert_eq!(
        refreshed["messages"][0]["results"][0]["delivery"]["words"],
        "delivered"
    );
}

#[tokio::test]
async fn a_quote_comes_from_the_dry_run_and_sends_nothing() {
    let sim = SimProcess::start(&[ACCOUNT]);
    let dir = tempfile::tempdir().unwrap();
    let bridge = bridge_with_key(&sim, dir.path()).await;
    let body = json!({
        "text": "x".repeat(200), "to": ["0170 1234567", "+43 664 1234567"], "sender_id": "P",
    });

    let (status, quote) = bridge
        .api(Method::POST, "/api/sms/quote", Some(body), &[])
        .await;
    assert_eq!(status, 200, "{quote}");
    assert_eq!(quote["parts"], 2);
    assert_eq!(quote["currency"], "EUR");
    assert_eq!(quote["results"].as_array().unwrap().len(), 2);
    assert_eq!(quote["results"][0]["parts"], 2);
    assert_eq!(
        quote["total"], 0.28,
        "two recipients, two parts each, 0.07 a part"
    );
    assert_eq!(sim.count("POST", "/sms/dryrun").await, 2);
    assert_eq!(sim.count("POST", "/sms").await, 0);

    let env = sim.env();
    let args = [
        "send",
        "--to",
        "0170 1234567",
        "--text",
        "Hallo",
        "--from",
        "P",
        "--dry-run",
    ];
    let output = common::run_with(dir.path(), &env, &args, "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("+491701234567: 1 part(s), 0.070 EUR"),
        "{stdout}"
    );
    assert!(stdout.contains("nothing was sent"));
    assert_eq!(sim.count("POST", "/sms").await, 0);
}
