//! The journal as the user sees it afterwards: the history of messages, refreshing their
//! delivery status from LOX24, cancelling scheduled ones, and reconciling deliveries whose
//! outcome is open (a crash before the answer, a timeout) by looking them up at LOX24 by
//! their callback data. Nothing here ever sends a message.

use crate::bridge::Bridge;
use crate::gateway::{Credential, GatewayError, StatusCode};
use crate::journal::{DeliveryRow, DeliveryState, JournalError, Outcome};
use crate::send::{
    Report, SendError, SharedJournal, accepted_state, now, open_journal, report, report_of,
    sms_outcome, with_journal,
};

/// How many messages the history shows.
const HISTORY_LIMIT: u32 = 100;

/// The newest messages first, with every recipient's state.
pub async fn history(bridge: &Bridge) -> Result<Vec<Report>, SendError> {
    let journal = open_journal(bridge).await?;
    let reports = with_journal(&journal, |j| {
        let mut reports = Vec::new();
        for message in j.messages(HISTORY_LIMIT)? {
            let deliveries = j.deliveries(&message.id)?;
            reports.push(report_of(message, deliveries));
        }
        Ok(reports)
    })
    .await?;
    Ok(reports)
}

/// Why a message could not be refreshed or cancelled.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("no message with id {0} in the history")]
    NoSuchMessage(String),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

impl From<JournalError> for HistoryError {
    fn from(error: JournalError) -> HistoryError {
        HistoryError::Send(SendError::Journal(error))
    }
}

/// Settles the open deliveries of one message and pulls status and delivery reports of
/// the sent ones.
pub async fn refresh(bridge: &Bridge, message_id: &str) -> Result<Report, HistoryError> {
    let journal = open_journal(bridge).await?;
    let (key_id, deliveries) = message_deliveries(&journal, message_id).await?;
    let credential = credential_for(bridge, key_id).await?;

    for delivery in deliveries {
        match delivery.state {
            DeliveryState::Pending | DeliveryState::Unknown => {
                reconcile_one(bridge, &journal, &credential, &delivery).await?;
            }
            DeliveryState::Sent | DeliveryState::Scheduled => {
                let Some(uuid) = &delivery.uuid else { continue };
                let reply = bridge.gateway.sms(&credential, uuid).await?;
                let state = match reply.value.status_code {
                    StatusCode::StoppedViaApi | StatusCode::StoppedInAccount => {
                        DeliveryState::Cancelled
                    }
                    _ if reply.value.is_sent => DeliveryState::Sent,
                    _ => delivery.state,
                };
                let outcome = sms_outcome(&reply.value);
                update(&journal, &delivery.id, state, outcome).await?;
            }
            _ => {}
        }
    }
    Ok(report(&journal, message_id).await?)
}

/// Stops the scheduled deliveries of one message at LOX24.
pub async fn cancel(bridge: &Bridge, message_id: &str) -> Result<Report, HistoryError> {
    let journal = open_journal(bridge).await?;
    let (key_id, deliveries) = message_deliveries(&journal, message_id).await?;
    let credential = credential_for(bridge, key_id).await?;

    let scheduled: Vec<_> = deliveries
        .iter()
        .filter(|d| d.state == DeliveryState::Scheduled)
        .collect();
    let uuids: Vec<String> = scheduled.iter().filter_map(|d| d.uuid.clone()).collect();
    let reply = bridge.gateway.cancel_scheduled(&credential, &uuids).await?;
    tracing::info!(
        "history: LOX24 stopped {} of {} scheduled SMS",
        reply.value,
        uuids.len()
    );

    for delivery in scheduled {
        let Some(uuid) = &delivery.uuid else { continue };
        let current = bridge.gateway.sms(&credential, uuid).await?;
        let state = match current.value.status_code {
            StatusCode::StoppedViaApi | StatusCode::StoppedInAccount => DeliveryState::Cancelled,
            _ if current.value.is_sent => DeliveryState::Sent,
            _ => DeliveryState::Scheduled,
        };
        update(&journal, &delivery.id, state, sms_outcome(&current.value)).await?;
    }
    Ok(report(&journal, message_id).await?)
}

/// Settles every open delivery in the journal (at start). Returns how many were settled;
/// failures leave a delivery open for the next try.
pub async fn reconcile_all(bridge: &Bridge) -> Result<usize, HistoryError> {
    let journal = open_journal(bridge).await?;
    let open = with_journal(&journal, |j| {
        let mut open = Vec::new();
        for delivery in j.unsettled()? {
            let key_id = j.message(&delivery.message_id)?.and_then(|m| m.key_id);
            open.push((key_id, delivery));
        }
        Ok(open)
    })
    .await?;

    let mut settled = 0;
    for (key_id, delivery) in open {
        let credential = match credential_for(bridge, key_id).await {
            Ok(credential) => credential,
            Err(error) => {
                tracing::warn!(
                    "journal: cannot reconcile delivery {}: {error}",
                    delivery.id
                );
                continue;
            }
        };
        match reconcile_one(bridge, &journal, &credential, &delivery).await {
            Ok(()) => settled += 1,
            Err(error) => {
                tracing::warn!("journal: delivery {} stays open: {error}", delivery.id);
                if matches!(error, HistoryError::Gateway(ref g) if g.is_account_level()) {
                    break;
                }
            }
        }
    }
    Ok(settled)
}

/// Deletes messages older than `sms.retention_days` from the journal.
pub async fn forget_old(bridge: &Bridge) -> Result<usize, HistoryError> {
    let cutoff = now() - i64::from(bridge.config.sms.retention_days) * 86_400;
    let journal = open_journal(bridge).await?;
    Ok(with_journal(&journal, move |j| j.forget_before(cutoff)).await?)
}

/// How many deliveries are still open (pending or unknown).
pub async fn open_deliveries(bridge: &Bridge) -> Result<usize, HistoryError> {
    let journal = open_journal(bridge).await?;
    Ok(with_journal(&journal, |j| Ok(j.unsettled()?.len())).await?)
}

/// Looks one open delivery up at LOX24 by its callback data and records what is there.
async fn reconcile_one(
    bridge: &Bridge,
    journal: &SharedJournal,
    credential: &Credential,
    delivery: &DeliveryRow,
) -> Result<(), HistoryError> {
    let found = bridge
        .gateway
        .find_by_callback_data(credential, &delivery.id)
        .await?;
    let delivery_at = {
        let id = delivery.message_id.clone();
        with_journal(journal, move |j| {
            Ok(j.message(&id)?.and_then(|m| m.delivery_at))
        })
        .await?
    };
    let (state, outcome) = match found.value.first() {
        Some(sms) => {
            let mut outcome = sms_outcome(sms);
            outcome.request_id = found.request_id;
            (accepted_state(sms, delivery_at), outcome)
        }
        None if delivery.state == DeliveryState::Pending => (
            DeliveryState::NotAttempted,
            Outcome {
                error_code: Some("not_attempted".into()),
                error_message: Some(
                    "not sent: the bridge stopped before LOX24 accepted it; send it again".into(),
                ),
                ..Outcome::default()
            },
        ),
        None => (
            DeliveryState::Failed,
            Outcome {
                error_code: Some("not_sent".into()),
                error_message: Some(
                    "LOX24 has no record of this message, so it was not sent; send it again".into(),
                ),
                ..Outcome::default()
            },
        ),
    };
    tracing::info!(
        "journal: delivery {} reconciled as {}",
        delivery.id,
        state.as_str()
    );
    update(journal, &delivery.id, state, outcome).await?;
    Ok(())
}

async fn message_deliveries(
    journal: &SharedJournal,
    message_id: &str,
) -> Result<(Option<String>, Vec<DeliveryRow>), HistoryError> {
    let id = message_id.to_string();
    let found = with_journal(journal, move |j| match j.message(&id)? {
        Some(message) => Ok(Some((message.key_id, j.deliveries(&id)?))),
        None => Ok(None),
    })
    .await?;
    found.ok_or_else(|| HistoryError::NoSuchMessage(message_id.to_string()))
}

/// The key a message was sent with, or the active key when that one was removed.
async fn credential_for(
    bridge: &Bridge,
    key_id: Option<String>,
) -> Result<Credential, HistoryError> {
    let keyring = bridge.keyring.clone();
    let credential = tokio::task::spawn_blocking(move || match key_id {
        Some(id) if keyring.records()?.get(&id).is_some() => keyring.credential(&id),
        _ => keyring
            .active_credential()
            .map(|(_, credential)| credential),
    })
    .await
    .map_err(|e| {
        SendError::Journal(JournalError {
            path: "keys".into(),
            cause: e.to_string(),
        })
    })?
    .map_err(SendError::Key)?;
    Ok(credential)
}

async fn update(
    journal: &SharedJournal,
    id: &str,
    state: DeliveryState,
    outcome: Outcome,
) -> Result<(), HistoryError> {
    let id = id.to_string();
    with_journal(journal, move |j| j.update(&id, state, &outcome, now())).await?;
    Ok(())
}
