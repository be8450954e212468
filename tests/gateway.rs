//! The gateway client and the lockout guard against the in-process LOX24 simulator: every
//! status and failure maps to the right error with its message and request id, sends are
//! never repeated, and wrong keys never get this computer's IP address blocked.

mod common;

use common::{CLIENT_ID, KEY, T0, WRONG_KEY, credential, gateway, simulator};
use sms_bridge::gateway::{DlrCode, Gateway, GatewayError, SmsRequest, StatusCode};
use sms_bridge::guard::Guard;
use sms_bridge::simulator::{
    AccountUpdate, Action, DRY_RUN_UUID, DeliveryUpdate, Misbehaviour, SimulatorHandle,
};

fn message(phone: &str) -> SmsRequest {
    SmsRequest {
        sender_id: "Office".into(),
        phone: phone.into(),
        text: "Your appointment is tomorrow at 10:00.".into(),
        callback_data: Some("journal-1".into()),
        ..SmsRequest::default()
    }
}

fn rule(action: Action, method: &str, path: &str) -> Misbehaviour {
    Misbehaviour {
        action,
        method: Some(method.into()),
        path: Some(path.into()),
        delay_ms: 0,
        status: None,
        process: true,
        times: Some(1),
    }
}

fn requests_to(sim: &SimulatorHandle, method: &str, path: &str) -> usize {
    let requests = sim.sim().requests();
    requests
        .iter()
        .filter(|r| r.method == method && r.path == path)
        .count()
}

/// The request id the simulator answered its latest request with.
fn last_request_id(sim: &SimulatorHandle) -> String {
    let requests = sim.sim().requests();
    requests
        .last()
        .expect("a request was made")
        .request_id
        .clone()
}

#[tokio::test]
async fn a_send_carries_the_documented_headers_and_returns_the_sms() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(&sim, dir.path());

    let reply = gateway
        .send(&credential("k1", KEY), &message("+491701234567"))
        .await
        .unwrap();

    assert_eq!(reply.value.phone, "+491701234567");
    assert_eq!(reply.value.price, 0.07);
    assert_eq!(reply.value.status_code, StatusCode::New);
    assert_eq!(
        reply.request_id.as_deref(),
        Some(last_request_id(&sim).as_str())
    );
    let request = sim.sim().requests().pop().unwrap();
    let header = |name: &str| request.headers.get(name).cloned().unwrap_or_default();
    assert_eq!(header("x-lox24-auth-token"), format!("{CLIENT_ID}:{KEY}"));
    assert_eq!(header("accept"), "application/json");
    assert_eq!(header("content-type"), "application/json");
    assert_eq!(
        header("user-agent"),
        format!("sms-bridge/{}", env!("CARGO_PKG_VERSION"))
    );
    let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(body["callback_data"], "journal-1");
    assert!(body.get("is_unicode").is_none());
}

#[tokio::test]
async fn the_account_shows_balance_and_services() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let account = gateway(&sim, dir.path())
        .account(&credential("k1", KEY))
        .await
        .unwrap()
        .value;
    assert_eq!(account.id.to_string(), CLIENT_ID);
    assert_eq!(
        (account.balance_amount, account.currency.as_str()),
        (10.0, "EUR")
    );
    assert_eq!(account.services, ["direct", "text2speech"]);
}

#[tokio::test]
async fn a_dry_run_prices_without_storing_or_charging() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(&sim, dir.path());
    let credential = credential("k1", KEY);
    let mut long = message("+491701234567");
    long.text = "a".repeat(161);

    let quote = gateway.dry_run(&credential, &long).await.unwrap().value;

    assert_eq!(quote.uuid, DRY_RUN_UUID);
    assert_eq!((quote.parts_count, quote.price), (2, 0.14));
    assert_eq!(
        gateway
            .account(&credential)
            .await
            .unwrap()
            .value
            .balance_amount,
        10.0
    );
    let error = gateway.sms(&credential, DRY_RUN_UUID).await.unwrap_err();
    assert!(matches!(error, GatewayError::NotFound { .. }), "{error:?}");
    assert_eq!(error.request_id(), Some(last_request_id(&sim).as_str()));
}

#[tokio::test]
async fn a_refused_message_lists_each_violation_with_the_request_id() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut bad = message("not a number");
    bad.service_code = Some("economy".into());

    let error = gateway(&sim, dir.path())
        .send(&credential("k1", KEY), &bad)
        .await
        .unwrap_err();

    let GatewayError::Validation { violations, .. } = &error else {
        panic!("{error:?}");
    };
    let fields: Vec<&str> = violations.iter().map(|v| v.field.as_str()).collect();
    assert_eq!(fields, ["phone", "service_code"]);
    let text = error.to_string();
    assert!(
        text.contains("service_code: Service's code is invalid or unavailable."),
        "{text}"
    );
    assert!(text.contains(&last_request_id(&sim)), "{text}");
    assert!(!error.is_account_level() && !error.is_uncertain());
}

#[tokio::test]
async fn no_funds_and_an_inactive_account_stop_a_batch() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(&sim, dir.path());
    let credential = credential("k1", KEY);

    let empty = AccountUpdate {
        balance: Some(0.05),
        ..AccountUpdate::default()
    };
    sim.sim().update_account(CLIENT_ID, &empty).unwrap();
    let error = gateway
        .send(&credential, &message("+491701234567"))
        .await
        .unwrap_err();
    assert_eq!(error.code(), "no_funds");
    assert!(error.is_account_level());
    assert!(error.to_string().contains("top it up"), "{error}");
    assert_eq!(error.request_id(), Some(last_request_id(&sim).as_str()));

    let forbidden = AccountUpdate {
        forbidden: Some(true),
        ..AccountUpdate::default()
    };
    sim.sim().update_account(CLIENT_ID, &forbidden).unwrap();
    let error = gateway.account(&credential).await.unwrap_err();
    assert_eq!(error.code(), "forbidden");
    assert!(error.is_account_level());
    assert!(error.to_string().contains("not activated"), "{error}");
}

#[tokio::test]
async fn a_wrong_key_is_reported_without_showing_it_and_never_used_again() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(&sim, dir.path());
    let wrong = credential("k1", WRONG_KEY);

    let error = gateway.account(&wrong).await.unwrap_err();
    assert_eq!(error.code(), "bad_credentials");
    assert_eq!(error.request_id(), Some(last_request_id(&sim).as_str()));
    let text = error.to_string();
    assert!(
        text.contains("'label-k1'") && !text.contains(WRONG_KEY),
        "{text}"
    );

    let again = gateway.account(&wrong).await.unwrap_err();
    assert_eq!(again.code(), "key_rejected");
    assert_eq!(sim.sim().requests().len(), 1);
    assert_eq!(gateway.guard().snapshot().unwrap().rejected_keys, ["k1"]);

    gateway.guard().clear("k1").unwrap();
    let fixed = credential("k1", KEY);
    gateway.account(&fixed).await.unwrap();
    assert_eq!(sim.sim().requests().len(), 2);
}

#[tokio::test]
async fn three_wrong_keys_in_three_runs_reach_lox24_only_twice() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut errors = Vec::new();
    for run in 1..=3 {
        // A fresh client and guard each time, as three separate CLI runs would have.
        let gateway = gateway(&sim, dir.path());
        let wrong = credential(&format!("k{run}"), WRONG_KEY);
        errors.push(gateway.account(&wrong).await.unwrap_err());
    }

    let codes: Vec<&str> = errors.iter().map(GatewayError::code).collect();
    assert_eq!(
        codes,
        ["bad_credentials", "bad_credentials", "too_many_rejections"]
    );
    assert_eq!(sim.sim().requests().len(), 2);
    let GatewayError::TooManyRejections { wait_s } = errors[2] else {
        unreachable!()
    };
    assert!((55..=60).contains(&wait_s), "{wait_s}");
    let text = errors[2].to_string();
    assert!(text.contains(&format!("try again in {wait_s} s")), "{text}");
}

#[tokio::test]
async fn a_429_stops_all_traffic_for_every_key() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut blocked = rule(Action::Status, "GET", "/me");
    blocked.status = Some(429);
    sim.sim().misbehave(blocked);

    let first = gateway(&sim, dir.path())
        .account(&credential("k1", KEY))
        .await
        .unwrap_err();
    assert_eq!(first.code(), "ip_blocked");
    assert_eq!(first.request_id(), Some(last_request_id(&sim).as_str()));
    assert!(first.to_string().contains("ten minutes"), "{first}");

    let other_key = credential("k2", KEY);
    let later = gateway(&sim, dir.path())
        .send(&other_key, &message("+491701234567"))
        .await
        .unwrap_err();
    let GatewayError::IpBlockedUntil { wait_s, .. } = later else {
        panic!("{later:?}");
    };
    assert!((590..=600).contains(&wait_s), "{wait_s}");
    assert!(later.is_account_level());
    assert_eq!(sim.sim().requests().len(), 1);
}

#[tokio::test]
async fn a_timeout_after_lox24_accepted_is_uncertain_and_not_resent() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut slow = rule(Action::Delay, "POST", "/sms");
    slow.delay_ms = 2_500;
    sim.sim().misbehave(slow);
    common::install_crypto();
    let section = common::section(sim.base_url(), 1);
    let gateway = Gateway::new(&section, Guard::new(dir.path())).unwrap();
    let credential = credential("k1", KEY);

    let error = gateway
        .send(&credential, &message("+491701234567"))
        .await
        .unwrap_err();

    assert!(
        matches!(error, GatewayError::Timeout { reached: true, .. }),
        "{error:?}"
    );
    assert!(error.is_uncertain());
    assert!(
        error.to_string().contains("may or may not have been sent"),
        "{error}"
    );
    assert_eq!(requests_to(&sim, "POST", "/sms"), 1);
    assert_eq!(sim.sim().messages().len(), 1);
    let found = gateway
        .find_by_callback_data(&credential, "journal-1")
        .await
        .unwrap()
        .value;
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn a_connection_dropped_after_storing_is_uncertain() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    sim.sim().misbehave(rule(Action::Drop, "POST", "/sms"));

    let error = gateway(&sim, dir.path())
        .send(&credential("k1", KEY), &message("+491701234567"))
        .await
        .unwrap_err();

    assert!(
        matches!(error, GatewayError::Connection { reached: true, .. }),
        "{error:?}"
    );
    assert!(error.is_uncertain());
    assert_eq!(requests_to(&sim, "POST", "/sms"), 1);
    assert_eq!(sim.sim().messages().len(), 1);
}

#[tokio::test]
async fn a_server_error_on_send_is_uncertain_and_not_repeated() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut failing = rule(Action::Status, "POST", "/sms");
    failing.status = Some(502);
    sim.sim().misbehave(failing);

    let error = gateway(&sim, dir.path())
        .send(&credential("k1", KEY), &message("+491701234567"))
        .await
        .unwrap_err();

    assert!(
        matches!(error, GatewayError::Server { status: 502, .. }),
        "{error:?}"
    );
    assert!(error.is_uncertain() && !error.is_account_level());
    assert_eq!(error.request_id(), Some(last_request_id(&sim).as_str()));
    assert_eq!(requests_to(&sim, "POST", "/sms"), 1);
}

#[tokio::test]
async fn reads_are_repeated_after_a_server_error() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut failing = rule(Action::Status, "GET", "/me");
    failing.status = Some(503);
    failing.process = false;
    sim.sim().misbehave(failing);

    let account = gateway(&sim, dir.path())
        .account(&credential("k1", KEY))
        .await;

    assert!(account.is_ok(), "{account:?}");
    assert_eq!(requests_to(&sim, "GET", "/me"), 2);
}

#[tokio::test]
async fn reads_give_up_after_a_bounded_number_of_repeats() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut failing = rule(Action::Status, "GET", "/me");
    failing.status = Some(500);
    failing.times = None;
    sim.sim().misbehave(failing);

    let error = gateway(&sim, dir.path())
        .account(&credential("k1", KEY))
        .await
        .unwrap_err();

    assert_eq!(error.code(), "gateway_server_error");
    assert!(!error.is_uncertain());
    assert_eq!(requests_to(&sim, "GET", "/me"), 3);
}

#[tokio::test]
async fn malformed_json_after_a_send_is_unreadable_and_uncertain() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    sim.sim().misbehave(rule(Action::Malformed, "POST", "/sms"));

    let error = gateway(&sim, dir.path())
        .send(&credential("k1", KEY), &message("+491701234567"))
        .await
        .unwrap_err();

    assert!(
        matches!(error, GatewayError::Unreadable { status: 201, .. }),
        "{error:?}"
    );
    assert!(error.is_uncertain());
    assert_eq!(error.request_id(), Some(last_request_id(&sim).as_str()));
}

#[tokio::test]
async fn an_unexpected_status_is_named() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let mut teapot = rule(Action::Status, "GET", "/me");
    teapot.status = Some(418);
    sim.sim().misbehave(teapot);

    let error = gateway(&sim, dir.path())
        .account(&credential("k1", KEY))
        .await
        .unwrap_err();

    assert_eq!(error.code(), "gateway_unexpected_status");
    assert!(error.to_string().contains("418"), "{error}");
}

#[tokio::test]
async fn nothing_listening_is_a_connection_failure_that_sent_nothing() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", free.local_addr().unwrap().port());
    drop(free);
    common::install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let gateway = Gateway::new(&common::section(&url, 2), Guard::new(dir.path())).unwrap();

    let error = gateway
        .send(&credential("k1", KEY), &message("+491701234567"))
        .await
        .unwrap_err();

    assert!(
        matches!(error, GatewayError::Connection { reached: false, .. }),
        "{error:?}"
    );
    assert!(!error.is_uncertain());
    assert!(
        error.to_string().contains("check the internet connection"),
        "{error}"
    );
}

#[tokio::test]
async fn scheduled_messages_can_be_cancelled_and_messages_deleted() {
    let (sim, _) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(&sim, dir.path());
    let credential = credential("k1", KEY);
    let mut later = message("+491701234567");
    later.delivery_at = Some(T0 + 3_600);
    let scheduled = gateway.send(&credential, &later).await.unwrap().value;
    let now = gateway
        .send(&credential, &message("+491701234568"))
        .await
        .unwrap()
        .value;

    let none = gateway.cancel_scheduled(&credential, &[]).await.unwrap();
    assert_eq!((none.value, sim.sim().requests().len()), (0, 2));
    let uuids = [scheduled.uuid.clone(), now.uuid.clone()];
    let cancelled = gateway.cancel_scheduled(&credential, &uuids).await.unwrap();
    assert_eq!(cancelled.value, 1);
    let read = gateway
        .sms(&credential, &scheduled.uuid)
        .await
        .unwrap()
        .value;
    assert_eq!(read.status_code, StatusCode::StoppedViaApi);
    assert_eq!(read.status_code.words(), "cancelled");

    gateway.delete(&credential, &now.uuid).await.unwrap();
    let error = gateway.sms(&credential, &now.uuid).await.unwrap_err();
    assert_eq!(error.code(), "not_found");
}

#[tokio::test]
async fn the_delivery_report_moves_on_with_the_clock_or_a_test_hook() {
    let (sim, clock) = simulator().await;
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(&sim, dir.path());
    let credential = credential("k1", KEY);
    let sent = gateway
        .send(&credential, &message("+491701234567"))
        .await
        .unwrap()
        .value;
    let rejected = gateway
        .send(&credential, &message("+491701230016"))
        .await
        .unwrap()
        .value;

    clock.advance(1);
    let read = gateway.sms(&credential, &sent.uuid).await.unwrap().value;
    assert_eq!(
        (read.status_code, read.dlr_code),
        (StatusCode::HandedOver, DlrCode::OnItsWay)
    );
    assert!(read.is_sent);
    clock.advance(2);
    let read = gateway.sms(&credential, &sent.uuid).await.unwrap().value;
    assert_eq!(read.dlr_code.words(), "delivered");
    let read = gateway
        .sms(&credential, &rejected.uuid)
        .await
        .unwrap()
        .value;
    assert_eq!(read.dlr_code, DlrCode::Rejected);

    let expired = DeliveryUpdate {
        status_code: None,
        dlr_code: Some(8),
    };
    sim.sim().set_delivery(&sent.uuid, expired).unwrap();
    let read = gateway.sms(&credential, &sent.uuid).await.unwrap().value;
    assert_eq!(read.dlr_code.words(), "expired");
}

#[test]
fn a_ca_file_that_is_not_pem_is_a_setup_error_naming_it() {
    common::install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proxy-ca.pem");
    std::fs::write(&path, "not a certificate").unwrap();
    let mut section = common::section("https://api.lox24.eu", 5);
    section.ca_file = Some(path.clone());

    let error = Gateway::new(&section, Guard::new(dir.path())).unwrap_err();

    let text = error.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("gateway.ca_file"), "{text}");
}

#[test]
fn a_pem_ca_file_is_added_to_the_trusted_roots() {
    common::install_crypto();
    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = params.self_signed(&key).unwrap();
    let path = dir.path().join("proxy-ca.pem");
    std::fs::write(&path, ca.pem()).unwrap();
    let mut section = common::section("https://api.lox24.eu", 5);
    section.ca_file = Some(path);

    assert!(Gateway::new(&section, Guard::new(dir.path())).is_ok());
}
