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

/// A clock that tests and the simulator can move forward: the system clock, or a fixed
/// instant, plus an offset that only grows. The simulator's `/_sim/advance` moves it to
/// let IP blocks expire and messages get delivered.
#[derive(Debug, Default)]
pub struct AdjustableClock {
    /// `None`: follow the system clock.
    base: Option<i64>,
    offset: AtomicI64,
}

impl AdjustableClock {
    /// The system clock, movable forward.
    pub fn system() -> Arc<AdjustableClock> {
        Arc::new(AdjustableClock::default())
    }

    /// A clock standing still at `now` until advanced.
    pub fn frozen(now: i64) -> Arc<AdjustableClock> {
        Arc::new(AdjustableClock {
            base: Some(now),
            offset: AtomicI64::new(0),
        })
    }

    /// Moves the clock forward by `seconds` (negative values are ignored).
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds.max(0), Ordering::SeqCst);
    }
}

impl Clock for AdjustableClock {
    fn now(&self) -> i64 {
        self.base.unwrap_or_else(unix_now) + self.offset.load(Ordering::SeqCst)
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
    fn the_system_clock_moves_forward_only() {
        let clock = AdjustableClock::system();
        let before = clock.now();
        clock.advance(600);
        clock.advance(-1000);
        let after = clock.now();
        assert!((600..=602).contains(&(after - before)));
    }

    #[test]
    fn a_frozen_clock_stands_still_until_advanced() {
        let clock = AdjustableClock::frozen(1_000);
        assert_eq!(clock.now(), 1_000);
        clock.advance(61);
        assert_eq!(clock.now(), 1_061);
    }
}
