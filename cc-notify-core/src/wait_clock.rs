//! The deliverer's clock: a push waits on a clock that never jumps, and wall-clock time is
//! only for display, the log and comparing against the terminal's timestamps.
//!
//! [`WaitClock`] is pure: it is given readings of the wall clock and of a steady clock, and
//! gives the wall time the wait should believe. The binary reads `CLOCK_BOOTTIME` as the
//! steady clock (it counts a suspended laptop's sleep as time passed: a push due during the
//! sleep goes out right after the wake, not a full delay later), so stepping the wall clock
//! back or forward while a deliverer waits changes nothing about when the push is due.

/// Wall time as seen by a wait: the wall clock's reading when the wait began, advanced only by
/// the steady clock since.
///
/// ```
/// use cc_notify_core::wait_clock::WaitClock;
/// // The wait starts at wall 1_000_000 ms, steady 50 ms.
/// let clock = WaitClock::start(1_000_000, 50);
/// // 4 s later on the steady clock, whatever the wall clock says by then:
/// assert_eq!(clock.now_ms(4_050), 1_004_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitClock {
    wall_start_ms: u64,
    steady_start_ms: u64,
}

impl WaitClock {
    /// A wait beginning now: `wall_ms` (Unix ms) and `steady_ms` (any steady clock, ms) read
    /// at the same moment.
    pub fn start(wall_ms: u64, steady_ms: u64) -> Self {
        WaitClock {
            wall_start_ms: wall_ms,
            steady_start_ms: steady_ms,
        }
    }

    /// The wait's "now" (Unix ms) for the steady clock's reading `steady_ms`. A steady reading
    /// before the start (which a steady clock never gives) counts as the start.
    pub fn now_ms(&self, steady_ms: u64) -> u64 {
        self.wall_start_ms
            .saturating_add(steady_ms.saturating_sub(self.steady_start_ms))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::presence::{PresenceConfig, Watch, WatchStep};

    /// Drives a 4 s wait without a terminal that began at wall time `wall_start_ms`, polling
    /// every 500 ms: the steady time at which the push went out.
    fn sent_after(wall_start_ms: u64) -> u64 {
        let clock = WaitClock::start(wall_start_ms, 7);
        let mut watch = Watch::new(
            None,
            PresenceConfig::default(),
            clock.now_ms(7),
            Duration::from_secs(4),
        );
        let mut steady = 7;
        loop {
            match watch.observe(clock.now_ms(steady), None) {
                WatchStep::Send => return steady - 7,
                WatchStep::Skip { .. } => panic!("nothing to see without a terminal"),
                WatchStep::Wait { .. } => steady += 500,
            }
            assert!(steady < 3_600_000, "still waiting after an hour");
        }
    }

    #[test]
    fn the_wait_ends_by_the_steady_clock_whatever_the_wall_clock_said() {
        assert_eq!(sent_after(1_763_700_000_000), 4_000);
        // A wall clock still in 1970 (no network time yet).
        assert_eq!(sent_after(0), 4_000);
    }

    #[test]
    fn only_the_steady_clock_moves_the_wait() {
        let clock = WaitClock::start(1_000_000, 100);
        assert_eq!(clock.now_ms(100), 1_000_000);
        assert_eq!(clock.now_ms(3_700), 1_003_600);
        assert_eq!(clock.now_ms(50), 1_000_000, "never before the start");
    }
}
