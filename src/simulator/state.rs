//! The simulator's state and LOX24 behaviour, free of HTTP: accounts and their keys, the
//! stored messages and how their status moves on with the clock, the per-IP block after
//! bad credentials, the log of every request, and the queue of misbehaviours tests asked
//! for. [`Sim::handle`] turns one request into one [`Answer`]; the actix glue in `api`
//! and the test controls in `control` call into it.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::checks::{self, Draft, Refused};
use crate::clock::{AdjustableClock, Clock};

/// Bad-credential requests from one IP within [`FAILURE_WINDOW_S`] that LOX24 tolerates;
/// one more starts a block.
pub const FAILURES_TOLERATED: usize = 3;
pub const FAILURE_WINDOW_S: i64 = 60;
pub const IP_BLOCK_S: i64 = 600;
/// The uuid every dry run answers with.
pub const DRY_RUN_UUID: &str = "11111111-2222-3333-4444-555555555555";
/// Seconds after its send time at which a message is handed to the operator, and at which
/// its final delivery report arrives.
pub const HAND_OVER_S: i64 = 1;
pub const REPORT_S: i64 = 3;

/// An account the simulator accepts, as given on the command line or by a test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimAccount {
    /// The customer number (digits).
    pub client_id: String,
    pub key: String,
    #[serde(default = "default_balance")]
    pub balance: f64,
    /// Price of one part.
    #[serde(default = "default_rate")]
    pub rate: f64,
    #[serde(default = "default_currency")]
    pub currency: String,
    #[serde(default = "default_services")]
    pub services: Vec<String>,
    /// Answer every request with 403 (account not activated, key switched off).
    #[serde(default)]
    pub forbidden: bool,
    /// Country of the company address, for national phone numbers.
    #[serde(default = "default_country")]
    pub country: String,
}

fn default_balance() -> f64 {
    10.0
}
fn default_rate() -> f64 {
    0.07
}
fn default_currency() -> String {
    "EUR".to_string()
}
fn default_services() -> Vec<String> {
    vec!["direct".to_string(), "text2speech".to_string()]
}
fn default_country() -> String {
    "DE".to_string()
}

impl SimAccount {
    /// An account with 10.00 EUR, 0.07 per part and the `direct` and `text2speech`
    /// services.
    pub fn new(client_id: &str, key: &str) -> SimAccount {
        SimAccount {
            client_id: client_id.to_string(),
            key: key.to_string(),
            balance: default_balance(),
            rate: default_rate(),
            currency: default_currency(),
            services: default_services(),
            forbidden: false,
            country: default_country(),
        }
    }
}

/// A change to an account; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountUpdate {
    pub balance: Option<f64>,
    pub rate: Option<f64>,
    pub currency: Option<String>,
    pub services: Option<Vec<String>>,
    pub forbidden: Option<bool>,
    pub country: Option<String>,
}

/// An account as the test controls show it; keys only masked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub client_id: String,
    pub keys: Vec<KeyView>,
    pub balance: f64,
    pub rate: f64,
    pub currency: String,
    pub services: Vec<String>,
    pub forbidden: bool,
    pub country: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyView {
    pub key_id: i64,
    pub masked: String,
}

/// One request as the simulator received it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub seq: u64,
    /// Simulator clock, unix seconds.
    pub time: i64,
    pub ip: String,
    pub method: String,
    pub path: String,
    pub query: String,
    /// Lower-case names. The auth header is kept as sent only when it names a key the
    /// simulator knows; otherwise the key part is masked.
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// The `X-LOX24-REQUEST-ID` of the answer.
    pub request_id: String,
}

/// A request as the HTTP layer hands it over.
pub(crate) struct Incoming {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub ip: IpAddr,
    /// Answer in JSON-LD (the request accepted `application/ld+json`).
    pub ld: bool,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What to answer: a status and an optional JSON body.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Option<Value>,
}

/// What the simulator does wrong, for the next matching request(s).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Misbehaviour {
    pub action: Action,
    /// Only requests with this method (any if absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Only requests to exactly this path, e.g. `/sms` (any if absent).
    #[serde(default)]
    pub path: Option<String>,
    /// Milliseconds to wait before answering (or dropping).
    #[serde(default)]
    pub delay_ms: u64,
    /// For `status`: the status to answer with, with an empty body.
    #[serde(default)]
    pub status: Option<u16>,
    /// Handle the request as usual first (store and charge the SMS) and misbehave only in
    /// the answer; `false` misbehaves without touching anything.
    #[serde(default = "yes")]
    pub process: bool,
    /// How many matching requests this applies to; `null` for all until cleared.
    #[serde(default = "once")]
    pub times: Option<u32>,
}

fn yes() -> bool {
    true
}
fn once() -> Option<u32> {
    Some(1)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Answer normally, after `delay_ms`.
    Delay,
    /// Answer with `status` (default 500) and no body.
    Status,
    /// Close the connection without any answer.
    Drop,
    /// Answer with the usual status and a body that is not valid JSON.
    Malformed,
}

/// A forced status for a stored message (`/_sim/sms/{uuid}`); it stops the progression.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryUpdate {
    pub status_code: Option<i64>,
    pub dlr_code: Option<i64>,
}

struct Key {
    secret: String,
    key_id: i64,
}

struct Account {
    keys: Vec<Key>,
    balance: f64,
    balance_changed_at: i64,
    rate: f64,
    currency: String,
    services: Vec<String>,
    forbidden: bool,
    country: String,
}

struct Message {
    client_id: String,
    uuid: String,
    draft: Draft,
    text: String,
    created_at: i64,
    ip: String,
    key_id: i64,
    price: f64,
    status_code: i64,
    dlr_code: i64,
    is_sent: bool,
    gateway_sent_at: i64,
    /// The report this message ends with unless a test forces another.
    final_dlr: i64,
    /// A test set its status; the clock no longer moves it.
    forced: bool,
}

#[derive(Default)]
struct Inner {
    accounts: BTreeMap<String, Account>,
    messages: Vec<Message>,
    failures: HashMap<IpAddr, Vec<i64>>,
    blocks: HashMap<IpAddr, i64>,
    requests: Vec<RecordedRequest>,
    rules: Vec<Misbehaviour>,
    next_key_id: i64,
}

/// The simulator: shared by every worker of its HTTP server.
pub struct Sim {
    clock: Arc<AdjustableClock>,
    inner: Mutex<Inner>,
}

impl Sim {
    pub fn new(accounts: &[SimAccount], clock: Arc<AdjustableClock>) -> Sim {
        let sim = Sim {
            clock,
            inner: Mutex::new(Inner {
                next_key_id: 8291,
                ..Inner::default()
            }),
        };
        for account in accounts {
            sim.add_account(account);
        }
        sim
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while the lock was held leaves nothing half-done that matters to a
        // simulator; keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn advance(&self, seconds: i64) -> i64 {
        self.clock.advance(seconds);
        self.clock.now()
    }

    /// Adds an account, or another key to an existing one (whose settings then change to
    /// `account`'s). Answers the new key's id.
    pub fn add_account(&self, account: &SimAccount) -> i64 {
        let now = self.now();
        let mut inner = self.lock();
        let key_id = inner.next_key_id;
        inner.next_key_id += 1;
        let entry = inner
            .accounts
            .entry(account.client_id.clone())
            .or_insert_with(|| Account {
                keys: Vec::new(),
                balance: 0.0,
                balance_changed_at: now,
                rate: 0.0,
                currency: String::new(),
                services: Vec::new(),
                forbidden: false,
                country: String::new(),
            });
        entry.keys.push(Key {
            secret: account.key.clone(),
            key_id,
        });
        entry.balance = account.balance;
        entry.rate = account.rate;
        entry.currency = account.currency.clone();
        entry.services = account.services.clone();
        entry.forbidden = account.forbidden;
        entry.country = account.country.clone();
        key_id
    }

    pub fn update_account(&self, client_id: &str, update: &AccountUpdate) -> Option<AccountView> {
        let now = self.now();
        let mut inner = self.lock();
        let account = inner.accounts.get_mut(client_id)?;
        if let Some(balance) = update.balance {
            account.balance = balance;
            account.balance_changed_at = now;
        }
        if let Some(rate) = update.rate {
            account.rate = rate;
        }
        if let Some(currency) = &update.currency {
            account.currency = currency.clone();
        }
        if let Some(services) = &update.services {
            account.services = services.clone();
        }
        if let Some(forbidden) = update.forbidden {
            account.forbidden = forbidden;
        }
        if let Some(country) = &update.country {
            account.country = country.clone();
        }
        Some(view(client_id, account))
    }

    pub fn accounts(&self) -> Vec<AccountView> {
        let inner = self.lock();
        inner
            .accounts
            .iter()
            .map(|(id, account)| view(id, account))
            .collect()
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    pub fn misbehave(&self, rule: Misbehaviour) {
        self.lock().rules.push(rule);
    }

    pub fn clear_misbehaviour(&self) {
        self.lock().rules.clear();
    }

    /// Lifts every IP block and forgets counted bad-credential requests.
    pub fn clear_blocks(&self) {
        let mut inner = self.lock();
        inner.blocks.clear();
        inner.failures.clear();
    }

    /// Every stored message of every account, as `GET /sms/{uuid}` shows it.
    pub fn messages(&self) -> Vec<Value> {
        let now = self.now();
        let mut inner = self.lock();
        inner.progress(now);
        inner.messages.iter().map(|m| m.to_json(false)).collect()
    }

    /// Sets a stored message's status and report; the clock no longer moves it.
    pub fn set_delivery(&self, uuid: &str, update: DeliveryUpdate) -> Option<Value> {
        let now = self.now();
        let mut inner = self.lock();
        inner.progress(now);
        let message = inner.messages.iter_mut().find(|m| m.uuid == uuid)?;
        message.forced = true;
        if let Some(status) = update.status_code {
            message.status_code = status;
            message.is_sent = status == 100;
            if message.is_sent && message.gateway_sent_at == 0 {
                message.gateway_sent_at = now;
            }
        }
        if let Some(dlr) = update.dlr_code {
            message.dlr_code = dlr;
        }
        Some(message.to_json(false))
    }

    /// Logs a request and picks the misbehaviour for it, if any. Answers the request id.
    pub(crate) fn record(&self, incoming: &Incoming) -> (String, Option<Misbehaviour>) {
        let request_id = uuid::Uuid::new_v4().simple().to_string();
        let now = self.now();
        let mut inner = self.lock();
        let headers = incoming
            .headers
            .iter()
            .map(|(name, value)| {
                let shown = match name.as_str() {
                    "x-lox24-auth-token" => inner.shown_token(incoming, value),
                    _ => value.clone(),
                };
                (name.clone(), shown)
            })
            .collect();
        let seq = inner.requests.len() as u64 + 1;
        inner.requests.push(RecordedRequest {
            seq,
            time: now,
            ip: incoming.ip.to_string(),
            method: incoming.method.clone(),
            path: incoming.path.clone(),
            query: incoming.query.clone(),
            headers,
            body: String::from_utf8_lossy(&incoming.body).into_owned(),
            request_id: request_id.clone(),
        });
        let rule = inner.take_rule(&incoming.method, &incoming.path);
        (request_id, rule)
    }

    /// Answers one LOX24 request: IP block, authentication, then the route.
    pub(crate) fn handle(&self, incoming: &Incoming) -> Answer {
        let now = self.now();
        let mut inner = self.lock();
        inner.progress(now);
        let ip = incoming.ip;
        let authenticated = inner.authenticate(incoming);

        if inner.blocks.get(&ip).is_some_and(|until| *until > now) {
            if authenticated.is_none() {
                // Bad credentials during a block keep it going.
                inner.blocks.insert(ip, now + IP_BLOCK_S);
            }
            return error(429, BLOCKED, incoming.ld);
        }
        let Some((client_id, key_id)) = authenticated else {
            inner.count_failure(ip, now);
            return error(401, UNAUTHORIZED, incoming.ld);
        };
        if inner.accounts[&client_id].forbidden {
            return error(403, FORBIDDEN, incoming.ld);
        }
        inner.route(incoming, &client_id, key_id, now)
    }
}

const UNAUTHORIZED: &str = "Client ID or API key isn't active or invalid!";
const NO_FUNDS: &str = "There are not enough funds on your account!";
const FORBIDDEN: &str = "Account isn't activated. Please wait or contact to support!";
const NOT_FOUND: &str = "Resource not found";
const BLOCKED: &str = "IP address was temporary blocked, because during short time from it \
     was sent many request with invalid credentials. Please wait and try later.";

fn view(client_id: &str, account: &Account) -> AccountView {
    AccountView {
        client_id: client_id.to_string(),
        keys: account
            .keys
            .iter()
            .map(|k| KeyView {
                key_id: k.key_id,
                masked: crate::gateway::mask(&k.secret),
            })
            .collect(),
        balance: account.balance,
        rate: account.rate,
        currency: account.currency.clone(),
        services: account.services.clone(),
        forbidden: account.forbidden,
        country: account.country.clone(),
    }
}

impl Inner {
    /// The account and key id the request authenticates as: `X-LOX24-AUTH-TOKEN:
    /// id:key`, or the older pair `X-LOX24-CLIENT-ID` + `X-LOX24-AUTH-TOKEN: key`.
    fn authenticate(&self, incoming: &Incoming) -> Option<(String, i64)> {
        let (client_id, secret) = credentials(incoming)?;
        let account = self.accounts.get(client_id)?;
        let key = account.keys.iter().find(|k| k.secret == secret)?;
        Some((client_id.to_string(), key.key_id))
    }

    fn shown_token(&self, incoming: &Incoming, value: &str) -> String {
        if self.authenticate(incoming).is_some() {
            return value.to_string();
        }
        match value.split_once(':') {
            Some((client_id, key)) => format!("{client_id}:{}", crate::gateway::mask(key)),
            None => crate::gateway::mask(value),
        }
    }

    fn count_failure(&mut self, ip: IpAddr, now: i64) {
        let failures = self.failures.entry(ip).or_default();
        failures.retain(|t| *t > now - FAILURE_WINDOW_S);
        failures.push(now);
        if failures.len() > FAILURES_TOLERATED {
            self.blocks.insert(ip, now + IP_BLOCK_S);
            failures.clear();
        }
    }

    fn take_rule(&mut self, method: &str, path: &str) -> Option<Misbehaviour> {
        let index = self.rules.iter().position(|rule| {
            rule.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && rule.path.as_deref().is_none_or(|p| p == path)
        })?;
        let rule = self.rules[index].clone();
        match &mut self.rules[index].times {
            Some(1) | Some(0) => {
                self.rules.remove(index);
            }
            Some(left) => *left -= 1,
            None => {}
        }
        Some(rule)
    }

    /// Moves every message on to where the clock says it is.
    fn progress(&mut self, now: i64) {
        for message in &mut self.messages {
            message.progress(now);
        }
    }

    /// The LOX24 routes, one arm each.
    fn route(&mut self, incoming: &Incoming, client_id: &str, key_id: i64, now: i64) -> Answer {
        let path = incoming.path.trim_matches('/');
        let segments: Vec<&str> = path.split('/').collect();
        let ld = incoming.ld;
        match (incoming.method.as_str(), segments.as_slice()) {
            ("GET", ["me"]) => self.me(client_id, ld),
            ("POST", ["sms"]) => self.create(incoming, client_id, key_id, now, false),
            ("POST", ["sms", "dryrun"]) => self.create(incoming, client_id, key_id, now, true),
            ("GET", ["sms"]) => self.list(client_id, &incoming.query, ld),
            ("GET", ["sms", uuid]) => match self.find(client_id, uuid) {
                Some(index) => ok(200, self.messages[index].to_json(ld)),
                None => error(404, NOT_FOUND, ld),
            },
            ("DELETE", ["sms", uuid]) => match self.find(client_id, uuid) {
                Some(index) => {
                    self.messages.remove(index);
                    Answer {
                        status: 204,
                        body: None,
                    }
                }
                None => error(404, NOT_FOUND, ld),
            },
            ("POST", ["sms", "ops", "batch_cancel"]) => {
                let count = self.cancel(client_id, &incoming.query, now);
                ok(200, json!({ "deleted_sms_count": count }))
            }
            ("POST", ["sms", "ops", "batch_delete"]) => {
                let filter = Filter::parse(&incoming.query);
                let before = self.messages.len();
                self.messages
                    .retain(|m| m.client_id != client_id || !filter.matches(m));
                ok(
                    200,
                    json!({ "deleted_sms_count": before - self.messages.len() }),
                )
            }
            _ => error(404, "No route found", ld),
        }
    }

    fn me(&self, client_id: &str, ld: bool) -> Answer {
        let account = &self.accounts[client_id];
        let mut body = json!({
            "id": client_id.parse::<i64>().unwrap_or(0),
            "currency": account.currency,
            "balance_amount": round(account.balance),
            "balance_changed_at": account.balance_changed_at,
            "is_text_deleted": false,
            "services": account.services,
            "groups": {},
        });
        if ld {
            add_ld(&mut body, "/contexts/client", "/me", "client");
        }
        ok(200, body)
    }

    fn create(
        &mut self,
        incoming: &Incoming,
        client_id: &str,
        key_id: i64,
        now: i64,
        dry_run: bool,
    ) -> Answer {
        let account = &self.accounts[client_id];
        let draft = match checks::check(&incoming.body, &account.services, &account.country) {
            Ok(draft) => draft,
            Err(refused) => return validation_error(refused, incoming.ld),
        };
        let price = round(draft.parts_count as f64 * account.rate);
        if !dry_run && account.balance + 1e-9 < price {
            return error(402, NO_FUNDS, incoming.ld);
        }

        let message = Message {
            client_id: client_id.to_string(),
            uuid: if dry_run {
                DRY_RUN_UUID.to_string()
            } else {
                uuid::Uuid::new_v4().to_string()
            },
            text: draft.text.clone(),
            final_dlr: final_report(&draft.phone),
            draft,
            created_at: now,
            ip: incoming.ip.to_string(),
            key_id,
            price,
            status_code: 0,
            dlr_code: 0,
            is_sent: false,
            gateway_sent_at: 0,
            forced: false,
        };
        let body = message.to_json(incoming.ld);
        if !dry_run {
            let account = self
                .accounts
                .get_mut(client_id)
                .expect("authenticated account exists");
            account.balance = round(account.balance - price);
            account.balance_changed_at = now;
            self.messages.push(message);
        }
        ok(201, body)
    }

    fn list(&self, client_id: &str, query: &str, ld: bool) -> Answer {
        let filter = Filter::parse(query);
        let mut found: Vec<&Message> = self
            .messages
            .iter()
            .filter(|m| m.client_id == client_id && filter.matches(m))
            .collect();
        found.reverse();
        found.sort_by_key(|m| std::cmp::Reverse(m.created_at));
        let members: Vec<Value> = found.iter().map(|m| m.to_json(ld)).collect();
        if !ld {
            return ok(200, Value::Array(members));
        }
        ok(
            200,
            json!({
                "@context": "/contexts/sms",
                "@id": "/sms",
                "@type": "hydra:Collection",
                "hydra:totalItems": members.len(),
                "hydra:member": members,
            }),
        )
    }

    /// Stops matching scheduled messages that are not sent yet, refunding them.
    fn cancel(&mut self, client_id: &str, query: &str, now: i64) -> usize {
        let filter = Filter::parse(query);
        let mut refund = 0.0;
        let mut count = 0;
        for message in &mut self.messages {
            let scheduled = message.draft.delivery_at > now && !message.is_sent;
            let open = message.status_code == 0;
            if message.client_id == client_id && scheduled && open && filter.matches(message) {
                message.status_code = 6000;
                message.forced = true;
                refund += message.price;
                count += 1;
            }
        }
        if let Some(account) = self.accounts.get_mut(client_id)
            && count > 0
        {
            account.balance = round(account.balance + refund);
            account.balance_changed_at = now;
        }
        count
    }

    fn find(&self, client_id: &str, uuid: &str) -> Option<usize> {
        self.messages
            .iter()
            .position(|m| m.client_id == client_id && m.uuid == uuid)
    }
}

/// The client id and key a request carries, in either header form.
fn credentials(incoming: &Incoming) -> Option<(&str, &str)> {
    let token = incoming.header("x-lox24-auth-token")?;
    match token.split_once(':') {
        Some(pair) => Some(pair),
        None => Some((incoming.header("x-lox24-client-id")?, token)),
    }
}

/// Destinations ending in `0008` expire and those ending in `0016` are rejected, so a
/// sandbox user can see every outcome; everything else is delivered.
fn final_report(phone: &str) -> i64 {
    if phone.ends_with("0008") {
        8
    } else if phone.ends_with("0016") {
        16
    } else {
        1
    }
}

impl Message {
    fn progress(&mut self, now: i64) {
        if self.forced {
            return;
        }
        let send_at = self.created_at.max(self.draft.delivery_at);
        if self.status_code == 0 && now >= send_at + HAND_OVER_S {
            self.status_code = 100;
            self.is_sent = true;
            self.gateway_sent_at = send_at + HAND_OVER_S;
            self.dlr_code = 4;
        }
        if self.dlr_code == 4 && now >= send_at + REPORT_S {
            self.dlr_code = self.final_dlr;
            if self.dlr_code == 1 && self.draft.is_text_deleted {
                self.text.clear();
            }
        }
    }

    /// The SMS object with exactly the fields LOX24 documents for it.
    fn to_json(&self, ld: bool) -> Value {
        let draft = &self.draft;
        let mut body = json!({
            "uuid": self.uuid,
            "text": self.text,
            "sender_id": draft.sender_id,
            "phone": draft.phone,
            "delivery_at": draft.delivery_at,
            "status_code": self.status_code,
            "dlr_code": self.dlr_code,
            "gateway_sent_at": self.gateway_sent_at,
            "is_sent": self.is_sent,
            "source": draft.source.unwrap_or(0),
            "ip": self.ip,
            "created_at": self.created_at,
            "is_unicode": draft.is_unicode,
            "is_text_deleted": draft.is_text_deleted,
            "iso2": draft.iso2,
            "voice_lang": draft.voice_lang,
            "parts_count": draft.parts_count,
            "chars_count": draft.chars_count,
            "callback_data": draft.callback_data,
            "bulk_id": null,
            "key_id": self.key_id,
            "service_code": draft.service_code,
            "price": self.price,
            "requests": format!("/sms/{}/requests", self.uuid),
            "clicks": format!("/sms/{}/clicks", self.uuid),
        });
        if ld {
            add_ld(
                &mut body,
                "/contexts/sms",
                &format!("/sms/{}", self.uuid),
                "sms",
            );
        }
        body
    }
}

/// The `GET /sms` filters the simulator supports: exact `uuid`, `callback_data`,
/// `status_code`, `dlr_code` (each also as `name[]`), partial `phone` and `text`.
/// Others are ignored.
#[derive(Default)]
struct Filter {
    exact: BTreeMap<String, Vec<String>>,
    partial: Vec<(String, String)>,
}

impl Filter {
    fn parse(query: &str) -> Filter {
        let mut filter = Filter::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let name = name.trim_end_matches("[]").to_string();
            match name.as_str() {
                "uuid" | "callback_data" | "status_code" | "dlr_code" => filter
                    .exact
                    .entry(name)
                    .or_default()
                    .push(value.into_owned()),
                "phone" | "text" => filter.partial.push((name, value.into_owned())),
                _ => {}
            }
        }
        filter
    }

    fn matches(&self, message: &Message) -> bool {
        let exact = self.exact.iter().all(|(name, values)| {
            let actual = match name.as_str() {
                "uuid" => Some(message.uuid.clone()),
                "callback_data" => message.draft.callback_data.clone(),
                "status_code" => Some(message.status_code.to_string()),
                _ => Some(message.dlr_code.to_string()),
            };
            actual.is_some_and(|actual| values.contains(&actual))
        });
        let partial = self
            .partial
            .iter()
            .all(|(name, value)| match name.as_str() {
                "phone" => message.draft.phone.contains(value.as_str()),
                _ => message.text.contains(value.as_str()),
            });
        exact && partial
    }
}

fn add_ld(body: &mut Value, context: &str, id: &str, kind: &str) {
    if let Value::Object(map) = body {
        map.insert("@context".into(), json!(context));
        map.insert("@id".into(), json!(id));
        map.insert("@type".into(), json!(kind));
    }
}

/// Money to four decimals, so that `2 × 0.07` is `0.14`.
fn round(amount: f64) -> f64 {
    (amount * 10_000.0).round() / 10_000.0
}

fn ok(status: u16, body: Value) -> Answer {
    Answer {
        status,
        body: Some(body),
    }
}

/// An error in API Platform's shape: problem JSON, or `hydra:Error` for JSON-LD.
fn error(status: u16, detail: &str, ld: bool) -> Answer {
    let body = if ld {
        json!({"@context": "/contexts/Error", "@type": "hydra:Error",
            "hydra:title": "An error occurred", "hydra:description": detail})
    } else {
        json!({"type": "https://tools.ietf.org/html/rfc2616#section-10",
            "title": "An error occurred", "detail": detail})
    };
    ok(status, body)
}

/// A 400: "Syntax error" for a body that is not a JSON object, else the violations.
fn validation_error(refused: Refused, ld: bool) -> Answer {
    let violations = match refused {
        Refused::Syntax => return error(400, "Syntax error", ld),
        Refused::Violations(list) => list,
    };
    let detail = violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.message))
        .collect::<Vec<_>>()
        .join("\n");
    let list: Vec<Value> = violations
        .iter()
        .map(|v| {
            json!({"propertyPath": v.field, "message": v.message,
            "code": violation_code(&v.message)})
        })
        .collect();
    let body = if ld {
        json!({"@context": "/contexts/ConstraintViolationList",
            "@type": "ConstraintViolationList", "hydra:title": "An error occurred",
            "hydra:description": detail, "violations": list})
    } else {
        json!({"type": "https://tools.ietf.org/html/rfc2616#section-10",
            "title": "An error occurred", "detail": detail, "violations": list})
    };
    ok(400, body)
}

/// Symfony's constraint uuid for a message (the ones LOX24 would send for these checks).
fn violation_code(message: &str) -> &'static str {
    if message.starts_with("This value should not be blank") {
        "c1051bb4-d103-4f74-8988-acbcafc7fdc3"
    } else if message.starts_with("This value is too long") {
        "d94b19cc-114f-4f44-9cc4-4138e80a87b9"
    } else if message.starts_with("This value should be of type") {
        "ba785a8c-82cb-4283-967c-3cf342181b40"
    } else {
        "de1e3db3-5ed4-4941-aae4-59f3667cc3a3"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim() -> (Sim, Arc<AdjustableClock>) {
        let clock = AdjustableClock::frozen(1_000_000);
        let sim = Sim::new(&[SimAccount::new("1234567", "key")], clock.clone());
        (sim, clock)
    }

    fn request(method: &str, path: &str, token: &str, body: &str) -> Incoming {
        Incoming {
            method: method.to_string(),
            path: path.to_string(),
            query: String::new(),
            headers: vec![("x-lox24-auth-token".to_string(), token.to_string())],
            body: body.as_bytes().to_vec(),
            ip: IpAddr::from([127, 0, 0, 1]),
            ld: false,
        }
    }

    fn rule(method: Option<&str>, times: Option<u32>) -> Misbehaviour {
        Misbehaviour {
            action: Action::Status,
            method: method.map(str::to_string),
            path: Some("/me".to_string()),
            delay_ms: 0,
            status: Some(503),
            process: false,
            times,
        }
    }

    #[test]
    fn rules_match_method_and_path_and_run_out() {
        let (sim, _) = sim();
        sim.misbehave(rule(Some("POST"), Some(2)));
        sim.misbehave(rule(None, None));
        let mut inner = sim.lock();
        assert_eq!(inner.take_rule("GET", "/sms"), None);
        assert_eq!(inner.take_rule("post", "/me").unwrap().times, Some(2));
        assert_eq!(inner.take_rule("POST", "/me").unwrap().times, Some(1));
        assert_eq!(inner.take_rule("POST", "/me").unwrap().times, None);
        assert_eq!(inner.take_rule("GET", "/me").unwrap().times, None);
        assert_eq!(inner.rules.len(), 1);
    }

    #[test]
    fn the_fourth_bad_request_in_a_minute_is_answered_and_then_blocks() {
        let (sim, _) = sim();
        let statuses: Vec<u16> = (0..5)
            .map(|_| {
                sim.handle(&request("GET", "/me", "1234567:wrong", ""))
                    .status
            })
            .collect();
        assert_eq!(statuses, [401, 401, 401, 401, 429]);
        assert_eq!(
            sim.handle(&request("GET", "/me", "1234567:key", "")).status,
            429
        );
        sim.clear_blocks();
        assert_eq!(
            sim.handle(&request("GET", "/me", "1234567:key", "")).status,
            200
        );
    }

    #[test]
    fn a_scheduled_message_moves_on_only_after_its_delivery_time() {
        let (sim, clock) = sim();
        let body = r#"{"sender_id":"Office","phone":"+491701234567","text":"x",
            "delivery_at":1000100,"is_text_deleted":true}"#;
        let created = sim.handle(&request("POST", "/sms", "1234567:key", body));
        assert_eq!(created.status, 201);

        clock.advance(100);
        assert_eq!(sim.messages()[0]["status_code"], 0);
        clock.advance(HAND_OVER_S);
        assert_eq!(sim.messages()[0]["status_code"], 100);
        clock.advance(REPORT_S);
        let delivered = &sim.messages()[0];
        assert_eq!(
            (delivered["dlr_code"].as_i64(), delivered["text"].as_str()),
            (Some(1), Some(""))
        );
    }
}
