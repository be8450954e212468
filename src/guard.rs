//! The lockout guard. LOX24 blocks an IP address for ten minutes once it has seen more
//! than three bad-credential requests from it within a minute, and that block hits
//! everyone in the office behind the same address. The guard keeps the bridge well below
//! that line, across the server and every CLI run: a key LOX24 rejected (401) is never
//! used again until [`Guard::clear`]; across all keys at most two rejected requests fall
//! in any 60 s, counting requests still in flight as possibly rejected; a 429 stops all
//! traffic for ten minutes.
//!
//! Its memory is `guard.json` in the data dir, replaced atomically under an exclusive
//! lock on `guard.lock`, so concurrent processes never lose or corrupt an entry and the
//! memory survives restarts. The guard never talks to LOX24 itself; the gateway client
//! asks it before every request ([`Guard::admit`]) and reports every answer
//! ([`Guard::settle`]).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::{Clock, SystemClock};
use crate::fsutil::{Access, replace_atomic};

/// The window in which rejected requests are counted.
pub const REJECTION_WINDOW_S: i64 = 60;
/// Rejected (plus in-flight) requests allowed within the window; LOX24 blocks above three.
pub const MAX_REJECTIONS: usize = 2;
/// How long LOX24 blocks an IP address.
pub const IP_BLOCK_S: i64 = 600;

const MEMORY_FILE: &str = "guard.json";
const LOCK_FILE: &str = "guard.lock";

/// Why the guard refuses a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// LOX24 rejected this key before.
    KeyRejected,
    /// Two rejections in the window; the next request may go in `wait_s` seconds.
    TooManyRejections { wait_s: i64 },
    /// LOX24 blocked the IP address until this unix time.
    IpBlocked { until: i64, wait_s: i64 },
    /// Other requests that may still be rejected are in flight (possibly in another
    /// process); try again when one of them is answered.
    Busy,
    /// The memory could not be read or written.
    Unavailable(String),
}

/// How LOX24 answered an admitted request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Anything but 401 and 429, including failures without an answer.
    Answered,
    /// 401: the key is wrong or inactive.
    Rejected,
    /// 429: the IP address is blocked.
    Blocked,
}

/// Permission for one request; give it back through [`Guard::settle`]. If it is dropped
/// instead (the request was abandoned), its slot stays taken until it expires, because
/// LOX24 may still have counted the request as rejected.
#[derive(Debug)]
#[must_use = "settle the admission with the request's outcome"]
pub struct Admission {
    id: String,
    key_id: String,
}

/// What status pages warn about: the keys LOX24 rejected and an IP block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GuardSnapshot {
    pub rejected_keys: Vec<String>,
    /// Unix time at which an IP block ends.
    pub blocked_until: Option<i64>,
    /// Rejected requests within the last window.
    pub recent_rejections: usize,
}

/// The guard's memory as stored in `guard.json`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Memory {
    /// Key id → unix time LOX24 rejected it.
    #[serde(default)]
    rejected_keys: BTreeMap<String, i64>,
    /// Unix times of rejected requests within the window, oldest first.
    #[serde(default)]
    rejections: Vec<i64>,
    #[serde(default)]
    blocked_until: Option<i64>,
    /// Admitted requests not yet settled.
    #[serde(default)]
    in_flight: Vec<Flight>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Flight {
    id: String,
    /// Unix time after which the slot is free even if never settled.
    until: i64,
    /// When the request was admitted.
    #[serde(default)]
    admitted: i64,
    /// The process that made it; when that process is gone, nobody will settle it.
    #[serde(default)]
    pid: Option<u32>,
}

/// The lockout guard over one data dir. Cheap to clone; every call reads and writes the
/// shared file, so separate instances over the same dir see each other's entries.
#[derive(Clone)]
pub struct Guard {
    dir: PathBuf,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard").field("dir", &self.dir).finish()
    }
}

impl Guard {
    /// The guard whose memory lives in `data_dir`, on the system clock.
    pub fn new(data_dir: &Path) -> Guard {
        Guard::with_clock(data_dir, Arc::new(SystemClock))
    }

    pub fn with_clock(data_dir: &Path, clock: Arc<dyn Clock>) -> Guard {
        Guard {
            dir: data_dir.to_path_buf(),
            clock,
        }
    }

    /// Asks to make one request with `key_id` that takes at most `hold_s` seconds.
    pub fn admit(&self, key_id: &str, hold_s: u64) -> Result<Admission, Refusal> {
        let id = uuid::Uuid::new_v4().to_string();
        let decision = self.with_memory(|memory, now| {
            memory.refusal(key_id, now)?;
            memory.in_flight.push(Flight {
                id: id.clone(),
                until: now + hold_s as i64 + REJECTION_WINDOW_S,
                admitted: now,
                pid: Some(std::process::id()),
            });
            Ok(())
        });
        match decision {
            Ok(Ok(())) => Ok(Admission {
                id,
                key_id: key_id.to_string(),
            }),
            Ok(Err(refusal)) => Err(refusal),
            Err(cause) => Err(Refusal::Unavailable(cause)),
        }
    }

    /// Records how an admitted request ended.
    pub fn settle(&self, admission: Admission, outcome: Outcome) -> Result<(), String> {
        self.with_memory(|memory, now| {
            memory.in_flight.retain(|f| f.id != admission.id);
            match outcome {
                Outcome::Answered => {}
                Outcome::Rejected => {
                    memory.rejections.push(now);
                    memory.rejected_keys.insert(admission.key_id.clone(), now);
                    tracing::warn!(
                        "gateway: 401 for key id {}, key marked rejected",
                        admission.key_id
                    );
                }
                Outcome::Blocked => {
                    memory.blocked_until = Some(now + IP_BLOCK_S);
                    tracing::warn!("gateway: 429, all LOX24 traffic stopped for ten minutes");
                }
            }
        })
    }

    /// Forgets that LOX24 rejected `key_id`, after the user entered or re-verified it.
    /// Recent rejections still count towards the per-minute limit.
    pub fn clear(&self, key_id: &str) -> Result<(), String> {
        self.with_memory(|memory, _| {
            memory.rejected_keys.remove(key_id);
        })
    }

    /// The current state for status warnings (`key_rejected`, `ip_blocked`).
    pub fn snapshot(&self) -> Result<GuardSnapshot, String> {
        self.with_memory(|memory, _| GuardSnapshot {
            rejected_keys: memory.rejected_keys.keys().cloned().collect(),
            blocked_until: memory.blocked_until,
            recent_rejections: memory.rejections.len(),
        })
    }

    /// Runs `change` on the memory under the file lock and stores the result if it changed.
    fn with_memory<T>(&self, change: impl FnOnce(&mut Memory, i64) -> T) -> Result<T, String> {
        let memory_path = self.dir.join(MEMORY_FILE);
        let lock_path = self.dir.join(LOCK_FILE);
        let failed = |verb: &str, path: &Path, e: std::io::Error| {
            format!("failed to {verb} {}: {e}", path.display())
        };
        if !self.dir.exists() {
            crate::fsutil::create_private_dir(&self.dir)
                .map_err(|e| failed("create", &self.dir, e))?;
        }
        let _lock =
            crate::fsutil::lock_exclusive(&lock_path).map_err(|e| failed("lock", &lock_path, e))?;

        let (mut memory, readable) =
            read_memory(&memory_path).map_err(|e| failed("read", &memory_path, e))?;
        let now = self.clock.now();
        memory.prune(now);
        let stored = memory.clone();
        let result = change(&mut memory, now);
        if memory != stored || !readable {
            let bytes = serde_json::to_vec_pretty(&memory).map_err(|e| e.to_string())?;
            // Twice per LOX24 request; after a power cut the window it guards is long over.
            replace_atomic(&memory_path, &bytes, Access::OwnerOnly)
                .map_err(|e| failed("write", &memory_path, e))?;
        }
        // The lock is released when `_lock` is closed here.
        Ok(result)
    }
}

impl Memory {
    /// Drops what no longer matters at `now`. Times in the future (the clock was set
    /// back) are pulled to `now`, so a wrong clock cannot make a block last longer.
    fn prune(&mut self, now: i64) {
        // A request whose process ended (a crash) will never be settled. LOX24 may have
        // rejected it, so it counts as a rejection at the time it was made; that frees
        // its slot within the window instead of holding it until it expires.
        let (orphaned, alive): (Vec<Flight>, Vec<Flight>) = self
            .in_flight
            .drain(..)
            .partition(|f| f.pid.is_some_and(|pid| !process_alive(pid)));
        self.in_flight = alive;
        self.rejections.extend(orphaned.iter().map(|f| f.admitted));
        for time in &mut self.rejections {
            *time = (*time).min(now);
        }
        self.rejections.retain(|t| *t > now - REJECTION_WINDOW_S);
        self.rejections.sort_unstable();
        self.blocked_until = self
            .blocked_until
            .map(|until| until.min(now + IP_BLOCK_S))
            .filter(|until| *until > now);
        self.in_flight.retain(|f| f.until > now);
    }

    fn refusal(&self, key_id: &str, now: i64) -> Result<(), Refusal> {
        if let Some(until) = self.blocked_until {
            return Err(Refusal::IpBlocked {
                until,
                wait_s: until - now,
            });
        }
        if self.rejected_keys.contains_key(key_id) {
            return Err(Refusal::KeyRejected);
        }
        let rejected = self.rejections.len();
        if rejected >= MAX_REJECTIONS {
            let frees_slot = self.rejections[rejected - MAX_REJECTIONS];
            return Err(Refusal::TooManyRejections {
                wait_s: (frees_slot + REJECTION_WINDOW_S - now).max(1),
            });
        }
        if rejected + self.in_flight.len() >= MAX_REJECTIONS {
            return Err(Refusal::Busy);
        }
        Ok(())
    }
}

/// Whether a process with this id runs. A process of another user counts as running.
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return true;
    };
    // Signal 0 checks existence and permission without sending anything.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// On Windows a crashed process's requests keep their slots until they expire, about a
/// minute and a half with the default timeouts.
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

/// The stored memory, and whether the file held one (false: missing or not valid).
fn read_memory(path: &Path) -> std::io::Result<(Memory, bool)> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok((Memory::default(), false));
        }
        Err(e) => return Err(e),
    };
    match serde_json::from_slice(&bytes) {
        Ok(memory) => Ok((memory, true)),
        Err(e) => {
            tracing::warn!(
                "data dir: {} is not valid ({e}); starting the lockout memory afresh",
                path.display()
            );
            Ok((Memory::default(), false))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::AdjustableClock;

    fn guard(dir: &Path, clock: &Arc<AdjustableClock>) -> Guard {
        Guard::with_clock(dir, clock.clone())
    }

    fn reject(guard: &Guard, key: &str) {
        let admission = guard.admit(key, 30).unwrap();
        guard.settle(admission, Outcome::Rejected).unwrap();
    }

    #[test]
    fn a_rejected_key_stays_refused_until_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let clock = AdjustableClock::frozen(1_000_000);
        let guard = guard(dir.path(), &clock);
        reject(&guard, "k1");

        clock.advance(3_600);
        assert_eq!(guard.admit("k1", 30).unwrap_err(), Refusal::KeyRejected);
        assert_eq!(guard.snapshot().unwrap().rejected_keys, ["k1"]);

        guard.clear("k1").unwrap();
        let admission = guard.admit("k1", 30).unwrap();
        guard.settle(admission, Outcome::Answered).unwrap();
    }

    #[test]
    fn two_rejections_in_a_minute_stop_every_key_with_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        let clock = AdjustableClock::frozen(1_000_000);
        reject(&guard(dir.path(), &clock), "k1");
        clock.advance(10);
        reject(&guard(dir.path(), &clock), "k2");
        clock.advance(5);

        let refusal = guard(dir.path(), &clock).admit("k3", 30).unwrap_err();
        assert_eq!(refusal, Refusal::TooManyRejections { wait_s: 45 });

        clock.advance(45);
        let admission = guard(dir.path(), &clock).admit("k3", 30).unwrap();
        drop(admission);
    }

    #[test]
    fn requests_in_flight_count_as_possible_rejections() {
        let dir = tempfile::tempdir().unwrap();
        let clock = AdjustableClock::frozen(1_000_000);
        let guard = guard(dir.path(), &clock);
        let first = guard.admit("k1", 30).unwrap();
        let second = guard.admit("k1", 30).unwrap();
        assert_eq!(guard.admit("k1", 30).unwrap_err(), Refusal::Busy);

        guard.settle(first, Outcome::Answered).unwrap();
        let third = guard.admit("k1", 30).unwrap();
        guard.settle(third, Outcome::Answered).unwrap();

        drop(second);
        assert_eq!(guard.admit("k1", 30).map(|_| ()), Ok(()));
        clock.advance(30 + REJECTION_WINDOW_S);
        let fresh = guard.admit("k1", 30).unwrap();
        guard.settle(fresh, Outcome::Answered).unwrap();
    }

    #[test]
    fn an_ip_block_stops_all_traffic_for_ten_minutes_and_survives_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let clock = AdjustableClock::frozen(1_000_000);
        let admission = guard(dir.path(), &clock).admit("k1", 30).unwrap();
        guard(dir.path(), &clock)
            .settle(admission, Outcome::Blocked)
            .unwrap();

        clock.advance(599);
        let refusal = guard(dir.path(), &clock).admit("k2", 30).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::IpBlocked {
                until: 1_000_600,
                wait_s: 1
            }
        );
        assert_eq!(
            guard(dir.path(), &clock).snapshot().unwrap().blocked_until,
            Some(1_000_600)
        );

        clock.advance(1);
        assert!(guard(dir.path(), &clock).admit("k2", 30).is_ok());
    }

    #[test]
    fn a_corrupt_memory_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(MEMORY_FILE), b"{not json").unwrap();
        let guard = Guard::new(dir.path());
        assert_eq!(guard.snapshot().unwrap(), GuardSnapshot::default());
        let text = fs::read_to_string(dir.path().join(MEMORY_FILE)).unwrap();
        assert!(text.contains("rejected_keys"));
    }

    #[test]
    fn concurrent_processes_never_lose_an_entry() {
        let dir = tempfile::tempdir().unwrap();
        let clock = AdjustableClock::frozen(1_000_000);
        let threads: Vec<_> = (0..8)
            .map(|n| {
                let guard = guard(dir.path(), &clock);
                std::thread::spawn(move || {
                    for round in 0..10 {
                        let admission = loop {
                            match guard.admit(&format!("k{n}"), 30) {
                                Ok(admission) => break admission,
                                Err(Refusal::Busy) => std::thread::yield_now(),
                                Err(other) => panic!("{other:?}"),
                            }
                        };
                        let outcome = if n == 0 && round == 9 {
                            Outcome::Rejected
                        } else {
                            Outcome::Answered
                        };
                        guard.settle(admission, outcome).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let snapshot = guard(dir.path(), &clock).snapshot().unwrap();
        assert_eq!(snapshot.rejected_keys, ["k0"]);
        assert_eq!(snapshot.recent_rejections, 1);
    }
}
