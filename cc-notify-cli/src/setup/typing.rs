//! The typing check of `setup`: the user types on their terminal for a few seconds, and the
//! presence probes the deliverer would use from here (the terminal, tmux, the desktop's idle
//! counter, …) must see it. Every probe is read before and after; the check says which saw
//! the typing, so a user learns which signal holds their pushes back.

use std::time::{Duration, Instant};

use cc_notify_core::activity::Reading;
use cc_notify_presence::{Probe, read_all};

use crate::time_text::duration;

/// What the probes saw across the user's typing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// At least one probe's last-input time moved while they typed: typing detection works.
    /// One entry per probe that saw it: its name, its signal and its resolution.
    Moved(Vec<String>),
    /// Nothing moved, but they typed for less than the finest probe's resolution: it may not
    /// show.
    TooShort {
        /// How long they typed.
        typed: Duration,
        /// The finest resolution among the probes that have an input time.
        finest: Duration,
    },
    /// No probe's input time moved although they typed long enough for the finest to show it.
    Still,
    /// No probe offers an input time here; why, per probe.
    Unreadable(String),
}

/// The input time of `r`, and how far two readings of the same input may differ.
fn input_of(r: &Reading) -> Option<(u64, u64)> {
    let input = r.input?;
    Some((input.activity.last_input_ms?, input.jitter_ms))
}

/// Reads `probes` before and after `typing` runs (which waits for the user to finish typing)
/// and says what they saw.
pub fn check(probes: &[Probe], typing: impl FnOnce()) -> Seen {
    let before = read_all(probes);
    if before.iter().all(|r| input_of(r).is_none()) {
        let why: Vec<String> = before
            .iter()
            .map(|r| format!("{}: {:?}", r.probe, r.certainty))
            .collect();
        return Seen::Unreadable(if why.is_empty() {
            "no presence probe here".to_owned()
        } else {
            why.join("; ")
        });
    }
    let started = Instant::now();
    typing();
    let typed = started.elapsed();
    let after = read_all(probes);

    let moved: Vec<String> = before
        .iter()
        .zip(&after)
        .filter_map(|(b, a)| {
            let (t0, jitter) = input_of(b)?;
            let (t1, _) = input_of(a)?;
            let input = a.input?;
            (t1 > t0 + jitter).then(|| {
                format!(
                    "{} {} ({} resolution)",
                    a.probe,
                    input.signal,
                    duration(input.activity.resolution_ms)
                )
            })
        })
        .collect();
    if !moved.is_empty() {
        return Seen::Moved(moved);
    }
    let finest = before
        .iter()
        .filter_map(|r| r.input.map(|i| i.activity.resolution_ms))
        .min()
        .map_or(Duration::ZERO, Duration::from_millis);
    if typed < finest {
        Seen::TooShort { typed, finest }
    } else {
        Seen::Still
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cc_notify_core::ActivityProbe;
    use cc_notify_core::activity::{Activity, Certainty, Input};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A probe whose last-input time is whatever the test stores.
    struct Stored {
        name: &'static str,
        last: Arc<AtomicU64>,
        resolution_ms: u64,
    }

    impl ActivityProbe for Stored {
        fn name(&self) -> &'static str {
            self.name
        }
        fn read(&self) -> Reading {
            Reading {
                probe: self.name,
                input: Some(Input {
                    signal: "stored",
                    activity: Activity {
                        last_input_ms: Some(self.last.load(Ordering::SeqCst)),
                        resolution_ms: self.resolution_ms,
                    },
                    jitter_ms: 0,
                }),
                certainty: Certainty::Nothing,
            }
        }
    }

    /// A probe that cannot tell.
    struct Blind;

    impl ActivityProbe for Blind {
        fn name(&self) -> &'static str {
            "blind"
        }
        fn read(&self) -> Reading {
            Reading::unknown("blind", "not running")
        }
    }

    fn stored(name: &'static str, resolution_ms: u64) -> (Probe, Arc<AtomicU64>) {
        let last = Arc::new(AtomicU64::new(1_000));
        let probe = Stored {
            name,
            last: Arc::clone(&last),
            resolution_ms,
        };
        (Box::new(probe), last)
    }

    #[test]
    fn names_each_probe_that_saw_the_typing_and_only_those() {
        let (pty, pty_last) = stored("pty", 8_000);
        let (tmux, tmux_last) = stored("tmux", 1_000);
        let probes = vec![pty, tmux, Box::new(Blind) as Probe];
        let seen = check(&probes, || tmux_last.store(5_000, Ordering::SeqCst));
        assert_eq!(
            seen,
            Seen::Moved(vec!["tmux stored (1s resolution)".to_owned()])
        );
        assert_eq!(pty_last.load(Ordering::SeqCst), 1_000);
    }

    #[test]
    fn nothing_moving_after_long_enough_typing_is_a_failure() {
        let (tmux, _) = stored("tmux", 0);
        assert_eq!(check(&[tmux], || {}), Seen::Still);
    }

    #[test]
    fn typing_shorter_than_the_finest_resolution_is_not_a_failure() {
        let (pty, _) = stored("pty", 8_000);
        let (coarse, _) = stored("coarse", 60_000);
        match check(&[coarse, pty], || {}) {
            Seen::TooShort { finest, .. } => assert_eq!(finest, Duration::from_secs(8)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_probe_with_an_input_time_says_why_and_never_waits_for_typing() {
        let probes = vec![Box::new(Blind) as Probe];
        let mut asked = false;
        match check(&probes, || asked = true) {
            Seen::Unreadable(why) => assert!(why.contains("not running"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(!asked, "the user was asked to type for nothing");
        assert!(matches!(check(&[], || {}), Seen::Unreadable(_)));
    }
}
