//! Wall-clock time in unix seconds, behind a trait so that the lockout guard and the
//! simulator can be tested with a clock that a test moves on by hand. Nothing here sleeps
//! or schedules; callers only ask what time it is.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in unix seconds.
pub trait Clock: Send + Sync {
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        unix_now()
    }
}

/// The system clock plus an offset that only grows; the simulator's `/_sim/advance` and
/// tests move it forward to let blocks expire and messages get delivered.
#[derive(Debug, Default)]
pub struct ShiftedClock {
    offset: AtomicI64,
}

impl ShiftedClock {
    pub fn new() -> Arc<ShiftedClock> {
        Arc::new(ShiftedClock::default())
    }

    /// Moves the clock forward by `seconds` (negative values are ignored).
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds.max(0), Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> i64 {
        unix_now() + self.offset.load(Ordering::SeqCst)
    }
}

/// A clock that stands still until a test sets or advances it.
#[derive(Debug)]
pub struct ManualClock {
    now: AtomicI64,
}

impl ManualClock {
    pub fn at(now: i64) -> Arc<ManualClock> {
        Arc::new(ManualClock {
            now: AtomicI64::new(now),
        })
    }

    pub fn advance(&self, seconds: i64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

fn unix_now() -> i64 {
    // A system clock before 1970 is a broken machine; count it as the epoch.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifted_clock_moves_forward_only() {
        let clock = ShiftedClock::new();
        let before = clock.now();
        clock.advance(600);
        clock.advance(-1000);
        let after = clock.now();
        assert!((600..=602).contains(&(after - before)));
    }

    #[test]
    fn manual_clock_stands_still_until_advanced() {
        let clock = ManualClock::at(1_000);
        assert_eq!(clock.now(), 1_000);
        clock.advance(61);
        assert_eq!(clock.now(), 1_061);
    }
}
