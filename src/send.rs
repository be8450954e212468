//! Sending one composed message: one LOX24 request per recipient with bounded
//! concurrency, every recipient recorded in the journal before the first request and
//! updated right after its own. An account-level failure (wrong key, no funds, not
//! activated, IP blocked) stops the batch at once; the recipients not yet tried are
//! `not_attempted`. A send whose outcome is uncertain is `unknown` and is only ever
//! settled by looking it up at LOX24 by its callback data, never by sending it again.
//! History, refresh and cancel of recorded messages are here too.

use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use serde::Serialize;

use crate::bridge::Bridge;
use crate::gateway::{Credential, GatewayError, Sms, SmsRequest, StatusCode};
use crate::journal::{DeliveryRow, DeliveryState, Journal, JournalError, MessageRow, Outcome};
use crate::keys::KeyError;
use crate::sms::SmsText;

/// A recipient as the user typed it, with its E.164 number or why it has none.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub input: String,
    pub phone: Result<String, RecipientError>,
}

/// Why a recipient cannot be sent to; it is reported, never sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientError {
    pub code: &'static str,
    pub message: String,
}

/// A message ready to send: every part of it already checked.
pub struct Compose {
    pub text: SmsText,
    pub sender_id: String,
    pub recipients: Vec<Recipient>,
    /// Unix time for a scheduled message.
    pub delivery_at: Option<i64>,
    /// The caller's Idempotency-Key; a repeat returns the recorded result.
    pub idempotency_key: Option<String>,
}

/// Why nothing was sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(
        "this Idempotency-Key was already used for a different message; compose the message \
         again (the pane makes a new key for each message)"
    )]
    IdempotencyConflict,
}

/// The answer of a send, and one message of the history.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub message_id: String,
    pub created_at: i64,
    pub text: Option<String>,
    pub sender_id: String,
    pub delivery_at: Option<i64>,
    pub results: Vec<RecipientReport>,
}

/// One recipient's result, with the documented field names.
#[derive(Clone, Debug, Serialize)]
pub struct RecipientReport {
    pub input: String,
    pub phone: Option<String>,
    pub state: DeliveryState,
    pub uuid: Option<String>,
    pub parts: Option<u32>,
    pub price: Option<f64>,
    pub error: Option<ErrorReport>,
    pub request_id: Option<String>,
    /// LOX24's delivery report in words, once refreshed.
    pub delivery: Option<Delivery>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ErrorReport {
    pub code: String,
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub status_code: i64,
    pub dlr_code: i64,
    pub words: String,
}

/// Sends `compose` with the active key and reports every recipient.
pub async fn send(bridge: &Bridge, compose: Compose) -> Result<Report, SendError> {
    let fingerprint = fingerprint(&compose);
    let journal = open_journal(bridge).await?;
    if let Some(key) = compose.idempotency_key.clone() {
        let existing = with_journal(&journal, move |j| j.by_idempotency_key(&key)).await?;
        if let Some((message_id, recorded)) = existing {
            if recorded != fingerprint {
                return Err(SendError::IdempotencyConflict);
            }
            tracing::info!("send: repeated Idempotency-Key; answering message {message_id} again");
            return report(&journal, &message_id).await;
        }
    }

    let keyring = bridge.keyring.clone();
    let (record, credential) = tokio::task::spawn_blocking(move || keyring.active_credential())
        .await
        .map_err(join)??;

    let now = now();
    let message = MessageRow {
        id: uuid::Uuid::new_v4().to_string(),
        created_at: now,
        text: bridge
            .config
            .sms
            .store_text
            .then(|| compose.text.as_str().to_string()),
        sender_id: compose.sender_id.clone(),
        delivery_at: compose.delivery_at,
        key_id: Some(record.id.clone()),
    };
    let deliveries = delivery_rows(&message.id, &compose.recipients);
    let idempotency = compose
        .idempotency_key
        .clone()
        .map(|key| (key, fingerprint.clone()));
    let (row, rows) = (message.clone(), deliveries.clone());
    let recorded = with_journal(&journal, move |j| {
        j.record(
            &row,
            idempotency.as_ref().map(|(k, h)| (k.as_str(), h.as_str())),
            &rows,
        )
    })
    .await;
    if let Err(error) = recorded {
        // Two requests with one key at the same moment (a double click): the first one
        // recorded its message; answer with that one, sending nothing.
        let key = compose
            .idempotency_key
            .clone()
            .filter(|_| idempotency_race(&error));
        let Some(key) = key else {
            return Err(error.into());
        };
        let existing = with_journal(&journal, move |j| j.by_idempotency_key(&key)).await?;
        return match existing {
            Some((message_id, recorded)) if recorded == fingerprint => {
                report(&journal, &message_id).await
            }
            _ => Err(SendError::IdempotencyConflict),
        };
    }

    let batch = Batch {
        bridge,
        credential: &credential,
        journal: &journal,
        compose: &compose,
        stopped: Arc::new(Mutex::new(None)),
    };
    let pending: Vec<_> = deliveries
        .iter()
        .filter(|d| d.state == DeliveryState::Pending)
        .cloned()
        .collect();
    futures_util::stream::iter(pending.iter().map(|d| batch.deliver(d)))
        .buffer_unordered(requests_in_flight(bridge))
        .collect::<Vec<()>>()
        .await;

    tracing::info!(
        "send: message {} to {} recipients done",
        message.id,
        deliveries.len()
    );
    report(&journal, &message.id).await
}

/// The work shared by the requests of one batch.
struct Batch<'a> {
    bridge: &'a Bridge,
    credential: &'a Credential,
    journal: &'a SharedJournal,
    compose: &'a Compose,
    /// The account-level error that stopped the batch, once one did.
    stopped: Arc<Mutex<Option<String>>>,
}

impl Batch<'_> {
    async fn deliver(&self, delivery: &DeliveryRow) {
        let stop = self.stopped.lock().map(|s| s.clone()).unwrap_or(None);
        if let Some(reason) = stop {
            let outcome = Outcome {
                error_code: Some("not_attempted".into()),
                error_message: Some(format!("not sent: the batch stopped because {reason}")),
                ..Outcome::default()
            };
            self.settle(&delivery.id, DeliveryState::NotAttempted, outcome)
                .await;
            return;
        }

        let request = SmsRequest {
            delivery_at: self.compose.delivery_at,
            callback_data: Some(delivery.id.clone()),
            ..sms_request(
                self.bridge,
                self.compose,
                delivery.phone.clone().unwrap_or_default(),
            )
        };
        match self.bridge.gateway.send(self.credential, &request).await {
            Ok(reply) => {
                let state = accepted_state(&reply.value, self.compose.delivery_at);
                let mut outcome = sms_outcome(&reply.value);
                outcome.request_id = reply.request_id;
                self.settle(&delivery.id, state, outcome).await;
            }
            Err(error) => {
                if error.is_account_level()
                    && let Ok(mut stopped) = self.stopped.lock()
                {
                    stopped.get_or_insert_with(|| first_sentence(&error.to_string()));
                }
                let state = if error.is_uncertain() {
                    DeliveryState::Unknown
                } else {
                    DeliveryState::Failed
                };
                self.settle(&delivery.id, state, error_outcome(&error))
                    .await;
            }
        }
    }

    async fn settle(&self, id: &str, state: DeliveryState, outcome: Outcome) {
        let id = id.to_string();
        let result =
            with_journal(self.journal, move |j| j.update(&id, state, &outcome, now())).await;
        if let Err(error) = result {
            tracing::error!("send: {error}; the delivery stays open and is reconciled later");
        }
    }
}

/// How many LOX24 requests one send or quote makes at once: `gateway.concurrency`, but no
/// more than the guard admits, since more would only queue inside the gateway after they
/// had passed the batch's stop check.
fn requests_in_flight(bridge: &Bridge) -> usize {
    bridge
        .config
        .gateway
        .concurrency
        .min(crate::guard::MAX_REJECTIONS)
}

/// The request for one recipient, with what the user saw: the counted text and its
/// encoding (so LOX24 bills what the preview showed).
fn sms_request(bridge: &Bridge, compose: &Compose, phone: String) -> SmsRequest {
    SmsRequest {
        sender_id: compose.sender_id.clone(),
        phone,
        text: compose.text.as_str().to_string(),
        service_code: Some(bridge.config.sms.service_code.clone()),
        is_unicode: Some(compose.text.encoding().is_unicode()),
        ..SmsRequest::default()
    }
}

/// A price quote from LOX24's dry run: nothing is sent or charged.
#[derive(Clone, Debug, Serialize)]
pub struct Quote {
    pub currency: Option<String>,
    pub parts: usize,
    pub total: f64,
    pub results: Vec<QuoteLine>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuoteLine {
    pub phone: String,
    pub parts: u32,
    pub price: f64,
}

/// Why no quote could be made.
#[derive(Debug, thiserror::Error)]
pub enum QuoteError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

/// Dry runs for every valid recipient with the active key, at most as many at once as a
/// send would make.
pub async fn quote(bridge: &Bridge, compose: &Compose) -> Result<Quote, QuoteError> {
    let keyring = bridge.keyring.clone();
    let (record, credential) =
        crate::keys::setup::blocking(move || keyring.active_credential()).await?;
    let numbers: Vec<String> = compose
        .recipients
        .iter()
        .filter_map(|r| r.phone.clone().ok())
        .collect();
    let answers = futures_util::stream::iter(numbers.iter().map(|phone| {
        let request = sms_request(bridge, compose, phone.clone());
        let credential = &credential;
        async move { bridge.gateway.dry_run(credential, &request).await }
    }))
    .buffered(requests_in_flight(bridge))
    .collect::<Vec<_>>()
    .await;

    let mut results = Vec::new();
    for (phone, answer) in numbers.into_iter().zip(answers) {
        let sms = answer?.value;
        results.push(QuoteLine {
            phone,
            parts: sms.parts_count,
            price: sms.price,
        });
    }
    let total: f64 = results.iter().map(|line| line.price).sum();
    Ok(Quote {
        currency: record.account.map(|account| account.currency),
        parts: compose.text.parts(),
        total: (total * 10_000.0).round() / 10_000.0,
        results,
    })
}

/// The journal behind a mutex, used from blocking tasks.
pub type SharedJournal = Arc<Mutex<Journal>>;

/// The bridge's journal, opened on first use and kept open afterwards.
pub(crate) async fn open_journal(bridge: &Bridge) -> Result<SharedJournal, JournalError> {
    if let Some(journal) = bridge.journal.get() {
        return Ok(journal.clone());
    }
    let dir = bridge.config.data_dir.clone();
    let journal = tokio::task::spawn_blocking(move || Journal::open(&dir))
        .await
        .map_err(|e| JournalError {
            path: "journal".into(),
            cause: e.to_string(),
        })??;
    Ok(bridge
        .journal
        .get_or_init(|| Arc::new(Mutex::new(journal)))
        .clone())
}

pub(crate) async fn with_journal<T: Send + 'static>(
    journal: &SharedJournal,
    work: impl FnOnce(&mut Journal) -> Result<T, JournalError> + Send + 'static,
) -> Result<T, JournalError> {
    let journal = journal.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = journal.lock().map_err(|_| JournalError {
            path: "journal".into(),
            cause: "an earlier journal write panicked".into(),
        })?;
        work(&mut guard)
    })
    .await
    .map_err(|e| JournalError {
        path: "journal".into(),
        cause: e.to_string(),
    })?
}

fn delivery_rows(message_id: &str, recipients: &[Recipient]) -> Vec<DeliveryRow> {
    recipients
        .iter()
        .enumerate()
        .map(|(position, recipient)| {
            let (phone, state, error) = match &recipient.phone {
                Ok(phone) => (Some(phone.clone()), DeliveryState::Pending, None),
                Err(error) => (None, DeliveryState::Failed, Some(error.clone())),
            };
            DeliveryRow {
                id: uuid::Uuid::new_v4().to_string(),
                message_id: message_id.to_string(),
                position: position as u32,
                input: recipient.input.clone(),
                phone,
                state,
                uuid: None,
                parts: None,
                price: None,
                error_code: error.as_ref().map(|e| e.code.to_string()),
                error_message: error.map(|e| e.message),
                request_id: None,
                status_code: None,
                dlr_code: None,
            }
        })
        .collect()
}

/// A digest of what was asked, so a reused Idempotency-Key with another message is noticed.
fn fingerprint(compose: &Compose) -> String {
    let inputs: Vec<&str> = compose
        .recipients
        .iter()
        .map(|r| r.input.as_str())
        .collect();
    let canonical = serde_json::json!({
        "text": compose.text.as_str(),
        "sender_id": compose.sender_id,
        "recipients": inputs,
        "delivery_at": compose.delivery_at,
    });
    let digest = ring::digest::digest(&ring::digest::SHA256, canonical.to_string().as_bytes());
    hex::encode(digest.as_ref())
}

fn idempotency_race(error: &JournalError) -> bool {
    error
        .cause
        .contains("UNIQUE constraint failed: messages.idempotency_key")
}

pub(crate) fn accepted_state(sms: &Sms, delivery_at: Option<i64>) -> DeliveryState {
    match delivery_at {
        Some(at) if at > now() && !sms.is_sent => DeliveryState::Scheduled,
        _ => DeliveryState::Sent,
    }
}

pub(crate) fn sms_outcome(sms: &Sms) -> Outcome {
    Outcome {
        uuid: Some(sms.uuid.clone()),
        parts: Some(sms.parts_count),
        price: Some(sms.price),
        status_code: Some(sms.status_code.code()),
        dlr_code: Some(sms.dlr_code.code()),
        ..Outcome::default()
    }
}

pub(crate) fn error_outcome(error: &GatewayError) -> Outcome {
    Outcome {
        error_code: Some(error.code().to_string()),
        error_message: Some(error.to_string()),
        request_id: error.request_id().map(str::to_string),
        ..Outcome::default()
    }
}

fn first_sentence(text: &str) -> String {
    text.split(';').next().unwrap_or(text).to_string()
}

/// The recorded message with its deliveries, as reported.
pub(crate) async fn report(journal: &SharedJournal, message_id: &str) -> Result<Report, SendError> {
    let id = message_id.to_string();
    let (message, deliveries) = with_journal(journal, move |j| {
        let message = j.message(&id)?.ok_or_else(|| JournalError {
            path: "journal".into(),
            cause: format!("message {id} is not recorded"),
        })?;
        Ok((message, j.deliveries(&id)?))
    })
    .await?;
    Ok(report_of(message, deliveries))
}

pub fn report_of(message: MessageRow, deliveries: Vec<DeliveryRow>) -> Report {
    Report {
        message_id: message.id,
        created_at: message.created_at,
        text: message.text,
        sender_id: message.sender_id,
        delivery_at: message.delivery_at,
        results: deliveries.into_iter().map(recipient_report).collect(),
    }
}

fn recipient_report(row: DeliveryRow) -> RecipientReport {
    let delivery = match (row.status_code, row.dlr_code) {
        (Some(status), Some(dlr)) if row.uuid.is_some() => Some(Delivery {
            status_code: status,
            dlr_code: dlr,
            words: delivery_words(status, dlr),
        }),
        _ => None,
    };
    RecipientReport {
        input: row.input,
        phone: row.phone,
        state: row.state,
        uuid: row.uuid,
        parts: row.parts,
        price: row.price,
        error: row.error_code.map(|code| ErrorReport {
            code,
            message: row.error_message.unwrap_or_default(),
        }),
        request_id: row.request_id,
        delivery,
    }
}

/// LOX24's status and delivery report in words: a processing problem if there is one,
/// else the delivery report.
pub fn delivery_words(status_code: i64, dlr_code: i64) -> String {
    let status = StatusCode::from(status_code);
    let dlr = crate::gateway::DlrCode::from(dlr_code);
    match status {
        StatusCode::New | StatusCode::HandedOver if dlr == crate::gateway::DlrCode::NoReport => {
            status.words()
        }
        StatusCode::New | StatusCode::HandedOver => dlr.words(),
        problem => problem.words(),
    }
}

fn join(error: tokio::task::JoinError) -> SendError {
    SendError::Journal(JournalError {
        path: "journal".into(),
        cause: error.to_string(),
    })
}

pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
