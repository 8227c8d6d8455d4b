//! The typing check of `setup`: the user types on their terminal for a few seconds, and the
//! terminal probe the deliverer uses ([`TtyProbe`]) must see it.

use std::path::Path;
use std::time::{Duration, Instant};

use cc_notify_core::activity::PTY_RESOLUTION;
use cc_notify_core::{ActivityProbe, TtyProbe};

use crate::runtime::now_ms;
use crate::time_text::duration;

/// What the probe saw across the user's typing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// The last-input time moved while they typed: typing detection works.
    Moved {
        /// The last input before, as "N ago" text.
        before: String,
        /// The last input after.
        after: String,
    },
    /// They typed for less than the probe's resolution: it may not show.
    TooShort(Duration),
    /// It did not move although they typed long enough.
    Still,
    /// The terminal could not be read.
    Unreadable(String),
}

/// The last input time at `tty`, if the probe can read one.
fn last_input(probe: &TtyProbe) -> Result<u64, String> {
    let reading = probe.read();
    reading
        .input
        .and_then(|i| i.activity.last_input_ms)
        .ok_or_else(|| format!("{:?}", reading.certainty))
}

/// Reads the terminal at `tty` before and after `typing` runs (which waits for the user to
/// finish typing) and says what the probe saw.
pub fn check(tty: &Path, typing: impl FnOnce()) -> Seen {
    let probe = TtyProbe::new(tty);
    let before = match last_input(&probe) {
        Ok(t) => t,
        Err(e) => return Seen::Unreadable(e),
    };
    let started = Instant::now();
    typing();
    let typed_for = started.elapsed();
    let after = match last_input(&probe) {
        Ok(t) => t,
        Err(e) => return Seen::Unreadable(e),
    };
    let now = now_ms();
    let ago = |t: u64| format!("{} ago", duration(now.saturating_sub(t)));
    if after > before {
        Seen::Moved {
            before: ago(before),
            after: ago(after),
        }
    } else if typed_for <= PTY_RESOLUTION {
        Seen::TooShort(typed_for)
    } else {
        Seen::Still
    }
}
