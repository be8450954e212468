//! The journal: every message and each of its recipients in SQLite (WAL) in the data dir.
//! A message and all its deliveries are written before the first LOX24 request, and each
//! delivery is updated right after its own request, so after a crash every recipient is
//! accounted for. Idempotency keys live here too: a repeated key finds its message.
//! Deciding what to send, and talking to LOX24, is `send`'s job; this module only records.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

const FILE: &str = "journal.sqlite";

/// Where one recipient's message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Recorded; the request to LOX24 was not answered (yet).
    Pending,
    Sent,
    Failed,
    /// The request may have reached LOX24 but no answer said so; looked up by its
    /// callback data before anything is sent again.
    Unknown,
    /// The batch stopped (an account-level error) before this recipient was tried.
    NotAttempted,
    /// Accepted by LOX24 for a later time.
    Scheduled,
    Cancelled,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Unknown => "unknown",
            DeliveryState::NotAttempted => "not_attempted",
            DeliveryState::Scheduled => "scheduled",
            DeliveryState::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> DeliveryState {
        match text {
            "sent" => DeliveryState::Sent,
            "failed" => DeliveryState::Failed,
            "unknown" => DeliveryState::Unknown,
            "not_attempted" => DeliveryState::NotAttempted,
            "scheduled" => DeliveryState::Scheduled,
            "cancelled" => DeliveryState::Cancelled,
            _ => DeliveryState::Pending,
        }
    }
}

/// A message as recorded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageRow {
    pub id: String,
    pub created_at: i64,
    /// `None` when `sms.store_text = false`.
    pub text: Option<String>,
    pub sender_id: String,
    pub delivery_at: Option<i64>,
    pub key_id: Option<String>,
}

/// One recipient of a message as recorded. `id` is also the `callback_data` sent to LOX24.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeliveryRow {
    pub id: String,
    pub message_id: String,
    pub position: u32,
    pub input: String,
    pub phone: Option<String>,
    pub state: DeliveryState,
    pub uuid: Option<String>,
    pub parts: Option<u32>,
    pub price: Option<f64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub request_id: Option<String>,
    pub status_code: Option<i64>,
    pub dlr_code: Option<i64>,
}

/// What a request to LOX24 ended in, for one delivery.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub uuid: Option<String>,
    pub parts: Option<u32>,
    pub price: Option<f64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub request_id: Option<String>,
    pub status_code: Option<i64>,
    pub dlr_code: Option<i64>,
}

/// A journal failure; the message says which file.
#[derive(Debug, thiserror::Error)]
#[error("failed to use the journal {path}: {cause}")]
pub struct JournalError {
    pub path: String,
    pub cause: String,
}

/// An open journal. One per thread of work; SQLite serialises writers across processes.
pub struct Journal {
    db: Connection,
    path: String,
}

impl Journal {
    /// Opens (and on first use creates) the journal in the data dir.
    pub fn open(data_dir: &Path) -> Result<Journal, JournalError> {
        let file = data_dir.join(FILE);
        let path = file.display().to_string();
        let fail = |e: rusqlite::Error| JournalError {
            path: path.clone(),
            cause: e.to_string(),
        };
        crate::fsutil::create_private_file(&file).map_err(|e| JournalError {
            path: path.clone(),
            cause: e.to_string(),
        })?;
        let db = Connection::open(&file).map_err(fail)?;
        db.busy_timeout(Duration::from_secs(10)).map_err(fail)?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        // NORMAL in WAL mode survives a crash of the bridge; a power cut may lose the last
        // updates, which leaves those deliveries pending, and pending ones are looked up
        // at LOX24 by their callback data at the next start, never sent again.
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(fail)?;
        db.execute_batch(SCHEMA).map_err(fail)?;
        restrict(&file);
        Ok(Journal { db, path })
    }

    fn fail(&self, error: rusqlite::Error) -> JournalError {
        JournalError {
            path: self.path.clone(),
            cause: error.to_string(),
        }
    }

    /// The message recorded under this idempotency key, with a fingerprint of the request
    /// it was recorded for.
    pub fn by_idempotency_key(&self, key: &str) -> Result<Option<(String, String)>, JournalError> {
        self.db
            .query_row(
                "SELECT id, request_hash FROM messages WHERE idempotency_key = ?1",
                params![key],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|e| self.fail(e))
    }

    /// Records a message and all its deliveries in one transaction.
    pub fn record(
        &mut self,
        message: &MessageRow,
        idempotency: Option<(&str, &str)>,
        deliveries: &[DeliveryRow],
    ) -> Result<(), JournalError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| JournalError {
            path: path.clone(),
            cause: e.to_string(),
        };
        let tx = self.db.transaction().map_err(fail)?;
        let result = (|| {
            tx.execute(
                "INSERT INTO messages (id, idempotency_key, request_hash, created_at, text, \
                 sender_id, delivery_at, key_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    message.id,
                    idempotency.map(|i| i.0),
                    idempotency.map(|i| i.1),
                    message.created_at,
                    message.text,
                    message.sender_id,
                    message.delivery_at,
                    message.key_id,
                ],
            )?;
            for delivery in deliveries {
                tx.execute(
                    "INSERT INTO deliveries (id, message_id, position, input, phone, state, \
                     error_code, error_message, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        delivery.id,
                        delivery.message_id,
                        delivery.position,
                        delivery.input,
                        delivery.phone,
                        delivery.state.as_str(),
                        delivery.error_code,
                        delivery.error_message,
                        message.created_at,
                    ],
                )?;
            }
            Ok::<(), rusqlite::Error>(())
        })();
        match result {
            Ok(()) => tx.commit().map_err(fail),
            Err(error) => Err(fail(error)),
        }
    }

    /// Records where one delivery stands now.
    pub fn update(
        &self,
        delivery_id: &str,
        state: DeliveryState,
        outcome: &Outcome,
        now: i64,
    ) -> Result<(), JournalError> {
        self.db
            .execute(
                "UPDATE deliveries SET state = ?2, uuid = COALESCE(?3, uuid), \
                 parts = COALESCE(?4, parts), price = COALESCE(?5, price), error_code = ?6, \
                 error_message = ?7, request_id = COALESCE(?8, request_id), \
                 status_code = COALESCE(?9, status_code), dlr_code = COALESCE(?10, dlr_code), \
                 updated_at = ?11 WHERE id = ?1",
                params![
                    delivery_id,
                    state.as_str(),
                    outcome.uuid,
                    outcome.parts,
                    outcome.price,
                    outcome.error_code,
                    outcome.error_message,
                    outcome.request_id,
                    outcome.status_code,
                    outcome.dlr_code,
                    now,
                ],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    pub fn message(&self, id: &str) -> Result<Option<MessageRow>, JournalError> {
        self.db
            .query_row(
                "SELECT id, created_at, text, sender_id, delivery_at, key_id FROM messages \
                 WHERE id = ?1",
                params![id],
                message_row,
            )
            .optional()
            .map_err(|e| self.fail(e))
    }

    /// The newest messages first.
    pub fn messages(&self, limit: u32) -> Result<Vec<MessageRow>, JournalError> {
        let mut statement = self
            .db
            .prepare(
                "SELECT id, created_at, text, sender_id, delivery_at, key_id FROM messages \
                 ORDER BY created_at DESC, rowid DESC LIMIT ?1",
            )
            .map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map(params![limit], message_row)
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }

    /// The deliveries of one message in the order the recipients were given.
    pub fn deliveries(&self, message_id: &str) -> Result<Vec<DeliveryRow>, JournalError> {
        self.select_deliveries(
            "WHERE message_id = ?1 ORDER BY position",
            params![message_id],
        )
    }

    /// Deliveries whose outcome is open: pending (a crash before the answer) or unknown.
    pub fn unsettled(&self) -> Result<Vec<DeliveryRow>, JournalError> {
        self.select_deliveries(
            "WHERE state IN ('pending', 'unknown') ORDER BY message_id, position",
            params![],
        )
    }

    fn select_deliveries(
        &self,
        filter: &str,
        values: impl rusqlite::Params,
    ) -> Result<Vec<DeliveryRow>, JournalError> {
        let sql = format!(
            "SELECT id, message_id, position, input, phone, state, uuid, parts, price, \
             error_code, error_message, request_id, status_code, dlr_code FROM deliveries {filter}"
        );
        let mut statement = self.db.prepare(&sql).map_err(|e| self.fail(e))?;
        let rows = statement
            .query_map(values, delivery_row)
            .map_err(|e| self.fail(e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.fail(e))
    }

    /// Deletes messages created before `cutoff` (unix time) with their deliveries.
    pub fn forget_before(&self, cutoff: i64) -> Result<usize, JournalError> {
        self.db
            .execute(
                "DELETE FROM deliveries WHERE message_id IN \
                 (SELECT id FROM messages WHERE created_at < ?1)",
                params![cutoff],
            )
            .and_then(|_| {
                self.db.execute(
                    "DELETE FROM messages WHERE created_at < ?1",
                    params![cutoff],
                )
            })
            .map_err(|e| self.fail(e))
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    idempotency_key TEXT UNIQUE,
    request_hash TEXT,
    created_at INTEGER NOT NULL,
    text TEXT,
    sender_id TEXT NOT NULL,
    delivery_at INTEGER,
    key_id TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    input TEXT NOT NULL,
    phone TEXT,
    state TEXT NOT NULL,
    uuid TEXT,
    parts INTEGER,
    price REAL,
    error_code TEXT,
    error_message TEXT,
    request_id TEXT,
    status_code INTEGER,
    dlr_code INTEGER,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_by_message ON deliveries (message_id, position);
CREATE INDEX IF NOT EXISTS deliveries_by_state ON deliveries (state);
";

fn message_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        id: row.get(0)?,
        created_at: row.get(1)?,
        text: row.get(2)?,
        sender_id: row.get(3)?,
        delivery_at: row.get(4)?,
        key_id: row.get(5)?,
    })
}

fn delivery_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DeliveryRow> {
    let state: String = row.get(5)?;
    Ok(DeliveryRow {
        id: row.get(0)?,
        message_id: row.get(1)?,
        position: row.get(2)?,
        input: row.get(3)?,
        phone: row.get(4)?,
        state: DeliveryState::parse(&state),
        uuid: row.get(6)?,
        parts: row.get(7)?,
        price: row.get(8)?,
        error_code: row.get(9)?,
        error_message: row.get(10)?,
        request_id: row.get(11)?,
        status_code: row.get(12)?,
        dlr_code: row.get(13)?,
    })
}

/// The journal holds phone numbers and texts: readable by the user only.
#[cfg(unix)]
fn restrict(file: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for path in [
        file.to_path_buf(),
        file.with_extension("sqlite-wal"),
        file.with_extension("sqlite-shm"),
    ] {
        if path.exists() {
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
    }
}

#[cfg(not(unix))]
fn restrict(_file: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, at: i64) -> MessageRow {
        MessageRow {
            id: id.into(),
            created_at: at,
            text: Some("Hallo".into()),
            sender_id: "Praxis".into(),
            delivery_at: None,
            key_id: Some("1".into()),
        }
    }

    fn delivery(id: &str, message_id: &str, position: u32) -> DeliveryRow {
        DeliveryRow {
            id: id.into(),
            message_id: message_id.into(),
            position,
            input: "0170 1234567".into(),
            phone: Some("+491701234567".into()),
            state: DeliveryState::Pending,
            uuid: None,
            parts: None,
            price: None,
            error_code: None,
            error_message: None,
            request_id: None,
            status_code: None,
            dlr_code: None,
        }
    }

    #[test]
    fn a_message_and_its_deliveries_are_recorded_and_updated() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path()).unwrap();
        let deliveries = [delivery("d1", "m1", 0), delivery("d2", "m1", 1)];
        journal
            .record(&message("m1", 10), Some(("idem", "hash")), &deliveries)
            .unwrap();

        let outcome = Outcome {
            uuid: Some("u1".into()),
            parts: Some(1),
            ..Outcome::default()
        };
        journal
            .update("d1", DeliveryState::Sent, &outcome, 11)
            .unwrap();
        let rows = journal.deliveries("m1").unwrap();
        assert_eq!(rows[0].state, DeliveryState::Sent);
        assert_eq!(rows[0].uuid.as_deref(), Some("u1"));
        assert_eq!(rows[1].state, DeliveryState::Pending);
        assert_eq!(journal.unsettled().unwrap().len(), 1);
        assert_eq!(
            journal.by_idempotency_key("idem").unwrap(),
            Some(("m1".into(), "hash".into()))
        );
    }

    #[test]
    fn a_repeated_idempotency_key_cannot_record_a_second_message() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path()).unwrap();
        journal
            .record(&message("m1", 1), Some(("k", "h")), &[])
            .unwrap();
        assert!(
            journal
                .record(&message("m2", 2), Some(("k", "h")), &[])
                .is_err()
        );
        assert!(
            journal.message("m2").unwrap().is_none(),
            "nothing half-written"
        );
    }

    #[test]
    fn old_messages_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::open(dir.path()).unwrap();
        journal
            .record(&message("old", 1), None, &[delivery("d", "old", 0)])
            .unwrap();
        journal.record(&message("new", 100), None, &[]).unwrap();
        assert_eq!(journal.forget_before(50).unwrap(), 1);
        let ids: Vec<_> = journal
            .messages(10)
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(ids, vec!["new".to_string()]);
        assert!(journal.deliveries("old").unwrap().is_empty());
    }
}
