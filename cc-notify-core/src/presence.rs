//! The presence verdict: is the user at the keyboard, judged from every probe's reading at
//! that probe's resolution. Pure: the caller supplies the clock and the readings.
//!
//! # The model
//!
//! The deliverer takes a baseline reading when it schedules a push, waits the push's delay while
//! polling about once a second, decides at the end of the delay, possibly watches for `grace`
//! more, then sends or skips. [`Watch`] is that timeline as a state machine: feed it every poll
//! with [`Watch::observe_readings`] (several probes) or [`Watch::observe`] (the terminal alone)
//! and follow the [`WatchStep`] it returns; [`Watch::decision`] then says which probe decided.
//! How the readings combine at one moment is [`rule`].
//!
//! 1. **Away now sends at once**: a locked screen or a tmux session with no client attached,
//!    before the delay ends and whatever any input time shows.
//! 2. **Input after the baseline skips the push**, at any time and on any probe: the user is
//!    back. With [`Watch::confirming_input`], only once no probe said "away" for that long
//!    after it (a tmux detach starts with keys).
//! 3. **Recent input at the end of the delay starts a grace watch.** If the last input — as the
//!    sharpest probe that offers one reads it — is within `typing_window` of now, the user may
//!    be reading at the keyboard: watch `grace` more, skip on input, send when it ends.
//!    Otherwise send at once.
//! 4. **No probe, no typing check**: without a baseline the push goes out when the delay ends;
//!    probes that cannot be read never mean present.
//!
//! Recency is judged conservatively at the probe's resolution. On Linux a pty's atime only
//! moves when the new time differs from the stored one above the low 3 bits of the seconds
//! (`tty_update_time()` in `drivers/tty/tty_io.c`): timestamps move in aligned 8-second
//! buckets, and the stored time is the *first* input of its bucket. The last keystroke may be as
//! late as the end of that bucket, `(stored_secs | 7) + 1`, so that is the time compared with
//! the window; and a window shorter than the resolution cannot be judged, so it is raised to it.

use std::time::Duration;

use crate::activity::{Activity, Certainty, Input, Reading};

pub mod reminder;
pub mod rule;

pub use reminder::{Reminder, ReminderConfig, ReminderStep};
pub use rule::{Baselines, Evidence, Verdict, judge};

/// How presence is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct PresenceConfig {
    /// Input this recent at the end of the delay means the user may be at the keyboard.
    /// Never less than the probe's resolution (raised to it when judged). Default 10 s.
    #[serde(with = "secs")]
    pub typing_window: Duration,
    /// How long to keep watching after recent input before sending. Default 15 s.
    #[serde(with = "secs")]
    pub grace: Duration,
    /// The wait of a Needs-input push once a sharp probe watches, when shorter than its band
    /// (the agent already waited before telling us: Claude Code 6 s). Default 5 s.
    #[serde(with = "secs")]
    pub needs_input_delay: Duration,
    /// The second chance after a typing skip.
    pub reminder: ReminderConfig,
}

impl Default for PresenceConfig {
    fn default() -> Self {
        PresenceConfig {
            typing_window: Duration::from_secs(10),
            grace: Duration::from_secs(15),
            needs_input_delay: Duration::from_secs(5),
            reminder: ReminderConfig::default(),
        }
    }
}

impl PresenceConfig {
    /// The typing window for a probe of `resolution_ms`: never shorter than the resolution.
    pub fn typing_window_ms(&self, resolution_ms: u64) -> u64 {
        millis(self.typing_window).max(resolution_ms)
    }
}

/// Durations as whole seconds in config files.
mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A probe this fine or finer is "sharp": it tells input within a second, so no wait has to
/// cover an 8-second blur.
pub const SHARP_RESOLUTION_MS: u64 = 1_000;

/// What the deliverer does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchStep {
    /// Keep polling; nothing is decided before `until_ms` (Unix ms) unless input shows or a
    /// probe says the user is away.
    Wait {
        /// The next deadline: the end of the delay, of the grace watch or of an input's
        /// confirmation.
        until_ms: u64,
    },
    /// Send the push now.
    Send,
    /// Drop the push.
    Skip {
        /// Why.
        reason: SkipReason,
    },
}

/// Why a push was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// The user gave input after the push was scheduled.
    Typing {
        /// The input time the probe reported (Unix ms, at the probe's resolution).
        last_input_ms: u64,
    },
}

/// Why a watch ended as it did; its `Display` is the log's wording, e.g.
/// "present: tmux client_activity 2 s ago (1 s resolution)".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// When it was decided (Unix ms).
    pub at_ms: u64,
    /// What decided it.
    pub reason: Reason,
}

/// What decided a watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// A probe was certain the user is away (sent at once).
    Away {
        /// The probe.
        probe: &'static str,
        /// What it saw.
        why: &'static str,
    },
    /// Input after the push was scheduled (skipped).
    Present(Evidence),
    /// No input (sent); `sharpest`: the finest input time seen at the end, `None` when no
    /// probe offered one; `after_grace`: recent input had started a grace watch.
    Idle {
        /// The input time judged.
        sharpest: Option<Evidence>,
        /// A grace watch ran first.
        after_grace: bool,
    },
    /// No probe at all: no typing check was made (sent when the delay ended).
    NoProbe,
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reason {
            Reason::Away { probe, why } => write!(f, "away: {probe} {why}"),
            Reason::Present(e) => write!(f, "present: {}", e.describe(self.at_ms)),
            Reason::Idle {
                sharpest,
                after_grace,
            } => {
                let grace = if after_grace {
                    " through the grace watch"
                } else {
                    ""
                };
                match sharpest {
                    Some(e) => write!(f, "idle{grace}: last input {}", e.describe(self.at_ms)),
                    None => write!(f, "idle{grace}: no probe could be read, no typing check"),
                }
            }
            Reason::NoProbe => write!(f, "no presence probe: no typing check"),
        }
    }
}

/// One scheduled push's presence watch. See the [module docs](self) for the rules.
///
/// ```
/// use std::time::Duration;
/// use cc_notify_core::Activity;
/// use cc_notify_core::presence::{PresenceConfig, SkipReason, Watch, WatchStep};
///
/// let idle = Activity { last_input_ms: Some(1_000), resolution_ms: 8_000 };
/// let mut w = Watch::new(Some(idle), PresenceConfig::default(), 100_000, Duration::from_secs(20));
/// assert_eq!(w.observe(101_000, Some(idle)), WatchStep::Wait { until_ms: 120_000 });
/// assert_eq!(w.observe(120_000, Some(idle)), WatchStep::Send);
///
/// let mut w = Watch::new(Some(idle), PresenceConfig::default(), 100_000, Duration::from_secs(20));
/// let typed = Activity { last_input_ms: Some(104_000), ..idle };
/// assert_eq!(
///     w.observe(105_000, Some(typed)),
///     WatchStep::Skip { reason: SkipReason::Typing { last_input_ms: 104_000 } }
/// );
/// assert_eq!(
///     w.decision().unwrap().to_string(),
///     "present: pty atime 1 s ago (8 s resolution)"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Watch {
    /// `None`: no probe, no typing check.
    baselines: Option<Baselines>,
    cfg: PresenceConfig,
    delay_end_ms: u64,
    /// The delay's end once a sharp probe is seen ([`Watch::shortened_when_sharp`]).
    sharp_end_ms: Option<u64>,
    start_ms: u64,
    grace_end_ms: Option<u64>,
    confirm_ms: u64,
    /// Input seen (when, and which), waiting out its confirmation.
    pending: Option<(u64, Evidence)>,
    decided: Option<(WatchStep, Decision)>,
}

impl Watch {
    /// Starts watching a push scheduled at `start_ms` (Unix ms) to wait `delay`, with the
    /// terminal's reading at that moment (`None`: no probe): today's pty-only watch, fed with
    /// [`Watch::observe`].
    pub fn new(
        baseline: Option<Activity>,
        cfg: PresenceConfig,
        start_ms: u64,
        delay: Duration,
    ) -> Watch {
        let baselines = baseline.map(|a| {
            let mut b = Baselines::default();
            b.fill(&[pty_reading(Some(a))]);
            b
        });
        Watch::with_baselines(baselines, cfg, start_ms, delay)
    }

    /// Starts watching with several probes, fed with [`Watch::observe_readings`]. `baseline`
    /// holds the readings taken when the push was scheduled (may be empty); a probe without
    /// one takes its first readable reading as its baseline.
    pub fn composite(
        baseline: &[Reading],
        cfg: PresenceConfig,
        start_ms: u64,
        delay: Duration,
    ) -> Watch {
        let mut b = Baselines::default();
        b.fill(baseline);
        Watch::with_baselines(Some(b), cfg, start_ms, delay)
    }

    fn with_baselines(
        baselines: Option<Baselines>,
        cfg: PresenceConfig,
        start_ms: u64,
        delay: Duration,
    ) -> Watch {
        Watch {
            baselines,
            cfg,
            delay_end_ms: start_ms.saturating_add(millis(delay)),
            sharp_end_ms: None,
            start_ms,
            grace_end_ms: None,
            confirm_ms: 0,
            pending: None,
            decided: None,
        }
    }

    /// Input skips the push only if no probe says "away" within `confirm` after it was seen.
    /// A tmux detach is keys too (the prefix key moves `client_activity` before the client
    /// leaves), so with a probe that can see a detach, use a second or two. Default: 0.
    pub fn confirming_input(mut self, confirm: Duration) -> Watch {
        self.confirm_ms = millis(confirm);
        self
    }

    /// Once a probe of [`SHARP_RESOLUTION_MS`] or finer offers an input time, the delay is
    /// `delay` from the start instead, when that is shorter. For waits that are long only to
    /// see past the terminal's 8-second blur (a Needs-input push: the agent already waited
    /// before telling us); with the terminal alone nothing changes.
    pub fn shortened_when_sharp(mut self, delay: Duration) -> Watch {
        self.sharp_end_ms = Some(self.start_ms.saturating_add(millis(delay)));
        self
    }

    /// Feeds one poll of the terminal alone: the time now and its reading (`None`: it could
    /// not be read). Once `Send` or `Skip` is returned, every later call returns the same.
    ///
    /// A sample that cannot be read is ignored while waiting; at the end of the delay it means
    /// no typing check can be made, so the push is sent.
    pub fn observe(&mut self, now_ms: u64, sample: Option<Activity>) -> WatchStep {
        self.observe_readings(now_ms, &[pty_reading(sample)])
    }

    /// Feeds one poll of every probe. Once `Send` or `Skip` is returned, every later call
    /// returns the same; [`Watch::decision`] then says why.
    pub fn observe_readings(&mut self, now_ms: u64, readings: &[Reading]) -> WatchStep {
        if let Some((decided, _)) = self.decided {
            return decided;
        }
        let (step, reason) = self.step(now_ms, readings);
        if let Some(reason) = reason {
            self.decided = Some((
                step,
                Decision {
                    at_ms: now_ms,
                    reason,
                },
            ));
        }
        step
    }

    /// Why the watch ended; `None` while it still waits.
    pub fn decision(&self) -> Option<Decision> {
        self.decided.map(|(_, d)| d)
    }

    fn step(&mut self, now_ms: u64, readings: &[Reading]) -> (WatchStep, Option<Reason>) {
        let Some(baselines) = &mut self.baselines else {
            return wait_until(now_ms, self.delay_end_ms, Reason::NoProbe);
        };
        baselines.fill(readings);
        if let Some(sharp_end) = self.sharp_end_ms
            && readings.iter().any(|r| {
                r.input
                    .is_some_and(|i| i.activity.resolution_ms <= SHARP_RESOLUTION_MS)
            })
        {
            self.delay_end_ms = self.delay_end_ms.min(sharp_end);
        }
        let sharpest = match judge(baselines, readings) {
            Verdict::Away { probe, why } => {
                return (WatchStep::Send, Some(Reason::Away { probe, why }));
            }
            Verdict::Present(e) => {
                self.pending.get_or_insert((now_ms, e));
                None
            }
            Verdict::Idle { sharpest } => sharpest,
        };
        if let Some((seen_ms, e)) = self.pending {
            let confirmed_ms = seen_ms.saturating_add(self.confirm_ms);
            if now_ms < confirmed_ms {
                return (
                    WatchStep::Wait {
                        until_ms: confirmed_ms,
                    },
                    None,
                );
            }
            let reason = SkipReason::Typing {
                last_input_ms: e.last_input_ms,
            };
            return (WatchStep::Skip { reason }, Some(Reason::Present(e)));
        }
        if let Some(grace_end) = self.grace_end_ms {
            let reason = Reason::Idle {
                sharpest,
                after_grace: true,
            };
            return wait_until(now_ms, grace_end, reason);
        }
        if now_ms < self.delay_end_ms {
            let until_ms = self.delay_end_ms;
            return (WatchStep::Wait { until_ms }, None);
        }
        let idle = Reason::Idle {
            sharpest,
            after_grace: false,
        };
        let Some(e) = sharpest else {
            return (WatchStep::Send, Some(idle));
        };
        let window_ms = self.cfg.typing_window_ms(e.resolution_ms);
        if !recent(e.last_input_ms, e.resolution_ms, window_ms, now_ms) {
            return (WatchStep::Send, Some(idle));
        }
        let grace_end = now_ms.saturating_add(millis(self.cfg.grace));
        self.grace_end_ms = Some(grace_end);
        let after_grace = Reason::Idle {
            sharpest,
            after_grace: true,
        };
        wait_until(now_ms, grace_end, after_grace)
    }
}

/// The terminal's sample as a reading (probe `pty`, signal `atime`); `None`: unreadable.
pub fn pty_reading(sample: Option<Activity>) -> Reading {
    match sample {
        Some(activity) => Reading {
            probe: "pty",
            input: Some(Input {
                signal: "atime",
                activity,
                jitter_ms: 0,
            }),
            certainty: Certainty::Nothing,
        },
        None => Reading::unknown("pty", "the terminal could not be read"),
    }
}

/// Send once `until_ms` is reached (for `reason`), else wait for it.
fn wait_until(now_ms: u64, until_ms: u64, reason: Reason) -> (WatchStep, Option<Reason>) {
    if now_ms >= until_ms {
        (WatchStep::Send, Some(reason))
    } else {
        (WatchStep::Wait { until_ms }, None)
    }
}

/// The latest the input stored as `last_ms` can really have been: the end of its bucket.
pub fn bucket_end_ms(last_ms: u64, resolution_ms: u64) -> u64 {
    if resolution_ms == 0 {
        return last_ms;
    }
    (last_ms / resolution_ms)
        .saturating_add(1)
        .saturating_mul(resolution_ms)
}

/// Input stored as `last_ms` may have happened less than `window_ms` before `now_ms`.
fn recent(last_ms: u64, resolution_ms: u64, window_ms: u64, now_ms: u64) -> bool {
    now_ms < bucket_end_ms(last_ms, resolution_ms).saturating_add(window_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const RES: u64 = 8_000;
    const START: u64 = 1_000_000;

    fn at(last: Option<u64>) -> Option<Activity> {
        Some(Activity {
            last_input_ms: last,
            resolution_ms: RES,
        })
    }

    fn watch(baseline: Option<Activity>, delay_s: u64) -> Watch {
        Watch::new(
            baseline,
            PresenceConfig::default(),
            START,
            Duration::from_secs(delay_s),
        )
    }

    fn typing(last: u64) -> WatchStep {
        WatchStep::Skip {
            reason: SkipReason::Typing {
                last_input_ms: last,
            },
        }
    }

    #[test]
    fn bucket_end_is_the_end_of_the_aligned_8s_bucket() {
        // stored 1000 s → (1000 | 7) + 1 = 1008 s; 1007 s → 1008 s; 1008 s → 1016 s.
        assert_eq!(bucket_end_ms(1_000_000, RES), 1_008_000);
        assert_eq!(bucket_end_ms(1_007_000, RES), 1_008_000);
        assert_eq!(bucket_end_ms(1_008_000, RES), 1_016_000);
        for secs in [0u64, 5, 8, 1000, 1_700_000_003] {
            assert_eq!(bucket_end_ms(secs * 1000, RES), ((secs | 7) + 1) * 1000);
        }
        assert_eq!(bucket_end_ms(1234, 0), 1234);
    }

    #[test]
    fn idle_user_gets_the_push_when_the_delay_ends() {
        let mut w = watch(at(Some(START - 60_000)), 20);
        assert_eq!(
            w.observe(START + 1_000, at(Some(START - 60_000))),
            WatchStep::Wait {
                until_ms: START + 20_000
            }
        );
        assert_eq!(
            w.observe(START + 20_000, at(Some(START - 60_000))),
            WatchStep::Send
        );
        assert_eq!(w.observe(START + 21_000, at(Some(START))), WatchStep::Send);
    }

    #[test]
    fn input_after_the_baseline_skips_at_any_time() {
        let base = at(Some(START - 60_000));
        let mut w = watch(base, 20);
        assert_eq!(w.observe(START + 3_000, at(Some(START))), typing(START));
        assert_eq!(w.observe(START + 30_000, base), typing(START));
        // A first keystroke ever (the baseline had none) also counts.
        let mut w = watch(at(None), 0);
        assert_eq!(w.observe(START, at(Some(START))), typing(START));
    }

    #[test]
    fn recent_input_at_the_delay_end_starts_the_grace_watch() {
        // Stored 4 s before the delay ends; the bucket may run until 4 s after; window 10 s.
        let delay_end = START + 20_000;
        let last = 1_016_000; // bucket [1016 s, 1024 s), delay ends at 1020 s
        let base = at(Some(last));
        let mut w = watch(base, 20);
        let grace_end = delay_end + 15_000;
        assert_eq!(
            w.observe(delay_end, base),
            WatchStep::Wait {
                until_ms: grace_end
            }
        );
        assert_eq!(
            w.observe(grace_end - 1, base),
            WatchStep::Wait {
                until_ms: grace_end
            }
        );
        assert_eq!(w.observe(grace_end, base), WatchStep::Send);

        let mut w = watch(base, 20);
        w.observe(delay_end, base);
        assert_eq!(
            w.observe(delay_end + 5_000, at(Some(1_024_000))),
            typing(1_024_000)
        );
    }

    #[test]
    fn input_just_outside_the_window_sends_at_once() {
        // Bucket of 1000 s ends at 1008 s; with a 10 s window it is recent until 1018 s.
        let base = at(Some(1_000_000));
        let mut w = Watch::new(
            base,
            PresenceConfig::default(),
            1_000_000,
            Duration::from_secs(18),
        );
        assert_eq!(w.observe(1_018_000, base), WatchStep::Send);
        let mut w = Watch::new(
            base,
            PresenceConfig::default(),
            1_000_000,
            Duration::from_secs(17),
        );
        assert!(matches!(w.observe(1_017_999, base), WatchStep::Wait { .. }));
        assert!(matches!(w.observe(1_018_000, base), WatchStep::Wait { .. }));
    }

    #[test]
    fn without_a_probe_the_push_goes_out_when_the_delay_ends() {
        let mut w = watch(None, 10);
        assert_eq!(
            w.observe(START, at(Some(START + 1))),
            WatchStep::Wait {
                until_ms: START + 10_000
            }
        );
        assert_eq!(w.observe(START + 10_000, None), WatchStep::Send);
        // A probe that fails at the end of the delay: no typing check, so send.
        let base = at(Some(START - 1_000));
        let mut w = watch(base, 10);
        assert!(matches!(
            w.observe(START + 5_000, None),
            WatchStep::Wait { .. }
        ));
        assert_eq!(w.observe(START + 10_000, None), WatchStep::Send);
    }

    #[test]
    fn zero_grace_sends_at_the_delay_end_even_after_recent_input() {
        let cfg = PresenceConfig {
            grace: Duration::ZERO,
            ..PresenceConfig::default()
        };
        let base = at(Some(START));
        let mut w = Watch::new(base, cfg, START, Duration::ZERO);
        assert_eq!(w.observe(START, base), WatchStep::Send);
    }

    #[test]
    fn config_reads_seconds() {
        let cfg: PresenceConfig = serde_json::from_str(r#"{"grace":5}"#).unwrap();
        assert_eq!(cfg.grace, Duration::from_secs(5));
        assert_eq!(cfg.typing_window, Duration::from_secs(10));
    }

    fn probe(name: &'static str, last: Option<u64>, res: u64, c: Certainty) -> Reading {
        Reading {
            probe: name,
            input: Some(Input {
                signal: "input",
                activity: Activity {
                    last_input_ms: last,
                    resolution_ms: res,
                },
                jitter_ms: 0,
            }),
            certainty: c,
        }
    }

    fn tmux(last: u64, c: Certainty) -> Reading {
        probe("tmux", Some(last), 1_000, c)
    }

    const DETACHED: Certainty = Certainty::AwayNow("no client attached");

    #[test]
    fn a_detach_right_after_its_prefix_key_sends_instead_of_skipping() {
        let start = [tmux(START - 60_000, Certainty::Nothing)];
        let mut w = Watch::composite(&start, PresenceConfig::default(), START, secs(20))
            .confirming_input(secs(2));
        // The prefix key moved client_activity; the client is still attached.
        assert_eq!(
            w.observe_readings(START + 5_000, &[tmux(START + 5_000, Certainty::Nothing)]),
            WatchStep::Wait {
                until_ms: START + 7_000
            }
        );
        // Then it detached: away, at once.
        assert_eq!(
            w.observe_readings(START + 5_500, &[Reading::unknown("tmux", "no client")]),
            WatchStep::Wait {
                until_ms: START + 7_000
            }
        );
        assert_eq!(
            w.observe_readings(START + 6_000, &[probe("tmux", None, 1_000, DETACHED)]),
            WatchStep::Send
        );
        assert_eq!(
            w.decision().unwrap().to_string(),
            "away: tmux no client attached"
        );
    }

    #[test]
    fn confirmed_input_skips_and_names_the_probe_that_saw_it() {
        let start = [
            tmux(START - 60_000, Certainty::Nothing),
            probe("pty", Some(START - 64_000), RES, Certainty::Nothing),
        ];
        let mut w = Watch::composite(&start, PresenceConfig::default(), START, secs(20))
            .confirming_input(secs(2));
        let typed = [
            tmux(START + 5_000, Certainty::Nothing),
            probe("pty", Some(START + 5_000), RES, Certainty::Nothing),
        ];
        assert!(matches!(
            w.observe_readings(START + 5_000, &typed),
            WatchStep::Wait { .. }
        ));
        assert_eq!(
            w.observe_readings(START + 7_000, &typed),
            typing(START + 5_000)
        );
        assert_eq!(
            w.decision().unwrap().to_string(),
            "present: tmux input 2 s ago (1 s resolution)"
        );
    }

    #[test]
    fn a_locked_screen_sends_before_the_delay_ends() {
        let lock = |c| Reading {
            probe: "logind",
            input: None,
            certainty: c,
        };
        let mut w = Watch::composite(&[], PresenceConfig::default(), START, secs(20));
        let open = [
            tmux(START - 1_000, Certainty::Nothing),
            lock(Certainty::Nothing),
        ];
        assert!(matches!(
            w.observe_readings(START + 1_000, &open),
            WatchStep::Wait { .. }
        ));
        let locked = [
            tmux(START - 1_000, Certainty::Nothing),
            lock(Certainty::AwayNow("screen locked")),
        ];
        assert_eq!(w.observe_readings(START + 2_000, &locked), WatchStep::Send);
        assert_eq!(
            w.decision().unwrap().reason,
            Reason::Away {
                probe: "logind",
                why: "screen locked"
            }
        );
    }

    #[test]
    fn the_sharpest_probe_judges_whether_input_was_recent() {
        // The pty's bucket may have ended 4 s before the delay ends — recent at 8 s blur; tmux
        // says the last key was 30 s before: the user left, send without a grace watch.
        let readings = [
            probe("pty", Some(START + 8_000), RES, Certainty::Nothing),
            tmux(START - 10_000, Certainty::Nothing),
        ];
        let mut w = Watch::composite(&readings, PresenceConfig::default(), START, secs(20));
        assert_eq!(
            w.observe_readings(START + 20_000, &readings),
            WatchStep::Send
        );
        // The same pty reading alone starts a grace watch.
        let mut w = Watch::composite(&readings[..1], PresenceConfig::default(), START, secs(20));
        assert!(matches!(
            w.observe_readings(START + 20_000, &readings[..1]),
            WatchStep::Wait { .. }
        ));
    }

    #[test]
    fn probes_that_cannot_be_read_send_when_the_delay_ends() {
        let gone = [Reading::unknown("x11", "cannot open display")];
        let mut w = Watch::composite(&gone, PresenceConfig::default(), START, secs(5));
        assert!(matches!(
            w.observe_readings(START + 1_000, &gone),
            WatchStep::Wait { .. }
        ));
        assert_eq!(w.observe_readings(START + 5_000, &gone), WatchStep::Send);
        assert_eq!(
            w.decision().unwrap().to_string(),
            "idle: no probe could be read, no typing check"
        );
    }

    #[test]
    fn a_sharp_probe_shortens_a_wait_that_only_covered_the_blur() {
        let pty = probe("pty", Some(START - 60_000), RES, Certainty::Nothing);
        let mut w = Watch::composite(
            std::slice::from_ref(&pty),
            PresenceConfig::default(),
            START,
            secs(20),
        )
        .shortened_when_sharp(secs(5));
        assert_eq!(
            w.observe_readings(START + 1_000, std::slice::from_ref(&pty)),
            WatchStep::Wait {
                until_ms: START + 20_000
            }
        );
        let both = [pty, tmux(START - 60_000, Certainty::Nothing)];
        assert_eq!(
            w.observe_readings(START + 2_000, &both),
            WatchStep::Wait {
                until_ms: START + 5_000
            }
        );
        assert_eq!(w.observe_readings(START + 5_000, &both), WatchStep::Send);
        // Never longer than the policy's own delay.
        let mut w = Watch::composite(&both, PresenceConfig::default(), START, secs(3))
            .shortened_when_sharp(secs(5));
        assert_eq!(w.observe_readings(START + 3_000, &both), WatchStep::Send);
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// Several probes' polls: per poll a time step and, per probe, an input time (as an offset
    /// from START, `None`: unreadable) and whether it says "away now".
    /// One poll: the time step and, per probe, its input step and "away now".
    type Poll = (u64, Vec<(Option<u64>, bool)>);

    fn composite_trace() -> impl Strategy<Value = Vec<Poll>> {
        prop::collection::vec(
            (
                0u64..3_000,
                prop::collection::vec(
                    (prop::option::of(0u64..3u64), prop::bool::weighted(0.05)),
                    3,
                ),
            ),
            1..60,
        )
    }

    proptest! {
        #[test]
        fn composite_input_skips_unless_away_follows_and_away_always_sends(
            delay_s in 0u64..30,
            confirm_s in 0u64..3,
            steps in composite_trace(),
        ) {
            const NAMES: [&str; 3] = ["pty", "tmux", "x11"];
            const RESOLUTIONS: [u64; 3] = [8_000, 1_000, 1];
            let reading = |i: usize, input: Option<u64>, away: bool| match input {
                // Input times take three values: 0 is the baseline, 1 and 2 are new input.
                Some(t) => probe(NAMES[i], Some(START - 50_000 + t * 10_000), RESOLUTIONS[i],
                    if away { Certainty::AwayNow("away") } else { Certainty::Nothing }),
                None => Reading::unknown(NAMES[i], "unreadable"),
            };
            let base: Vec<Reading> = (0..3).map(|i| reading(i, Some(0), false)).collect();
            let mut w = Watch::composite(&base, PresenceConfig::default(), START, secs(delay_s))
                .confirming_input(secs(confirm_s));
            let mut now = START;
            let mut input_seen = false;
            for (dt, probes) in steps {
                now += dt;
                let readings: Vec<Reading> =
                    probes.iter().enumerate().map(|(i, (t, away))| reading(i, *t, *away)).collect();
                let away = probes.iter().any(|(t, away)| t.is_some() && *away);
                let new_input = probes.iter().any(|(t, _)| t.is_some_and(|t| t > 0));
                let step = w.observe_readings(now, &readings);
                if away {
                    // Away always sends, unless the push was already skipped.
                    let decided = !matches!(step, WatchStep::Wait { .. });
                    prop_assert!(decided, "away did not send");
                } else {
                    input_seen |= new_input;
                    if input_seen {
                        prop_assert!(step != WatchStep::Send, "sent after input without an away");
                    }
                }
                if !matches!(step, WatchStep::Wait { .. }) {
                    break;
                }
            }
        }
    }

    /// A trace: polls at increasing offsets from START, each with a sample.
    fn trace() -> impl Strategy<Value = Vec<(u64, Option<Option<u64>>)>> {
        prop::collection::vec(
            (
                0u64..5_000,
                prop_oneof![
                    4 => Just(Some(Some(0))), // unchanged: replaced by the baseline below
                    1 => Just(None),
                    1 => (0u64..200_000).prop_map(|t| Some(Some(START - 100_000 + t))),
                ],
            ),
            1..80,
        )
    }

    proptest! {
        #[test]
        fn never_sends_once_input_moved(
            base_last in prop::option::of(START - 100_000..START),
            delay_s in 0u64..40,
            steps in trace(),
        ) {
            let base = at(base_last);
            let mut w = watch(base, delay_s);
            let mut now = START;
            let mut moved = false;
            for (dt, sample) in steps {
                now += dt;
                let sample = sample.map(|s| if s == Some(0) { base_last } else { s })
                    .map(|last| Activity { last_input_ms: last, resolution_ms: RES });
                moved |= sample.is_some_and(|s| s.last_input_ms.is_some() && s.last_input_ms != base_last);
                let step = w.observe(now, sample);
                if moved {
                    prop_assert!(step != WatchStep::Send, "sent after input moved");
                }
                if step == WatchStep::Send {
                    break;
                }
            }
        }

        #[test]
        fn always_sends_by_delay_plus_grace_when_nothing_moves(
            base_last in prop::option::of(0..START + 50_000),
            delay_s in 0u64..40,
            grace_s in 0u64..30,
            window_s in 0u64..30,
            polls in prop::collection::vec(1u64..3_000, 1..200),
        ) {
            let cfg = PresenceConfig {
                typing_window: Duration::from_secs(window_s),
                grace: Duration::from_secs(grace_s),
                ..PresenceConfig::default()
            };
            let base = at(base_last);
            let mut w = Watch::new(base, cfg, START, Duration::from_secs(delay_s));
            let deadline = START + (delay_s + grace_s) * 1000;
            let mut now = START;
            for dt in polls {
                // Poll gaps as the deliverer would: never sleeping past the announced deadline.
                let step = w.observe(now, base);
                let skipped = matches!(step, WatchStep::Skip { .. });
                prop_assert!(!skipped, "skipped without input");
                match step {
                    WatchStep::Send => {
                        prop_assert!(now <= deadline);
                        return Ok(());
                    }
                    WatchStep::Wait { until_ms } => {
                        prop_assert!(until_ms <= deadline);
                        now = (now + dt).min(until_ms);
                    }
                    WatchStep::Skip { .. } => unreachable!(),
                }
            }
            // Out of polls: keep polling at each announced deadline; it sends by the last.
            for _ in 0..3 {
                match w.observe(now, base) {
                    WatchStep::Wait { until_ms } => now = until_ms,
                    step => {
                        prop_assert_eq!(step, WatchStep::Send);
                        prop_assert!(now <= deadline);
                        return Ok(());
                    }
                }
            }
            prop_assert!(false, "no decision by the deadline");
        }

        #[test]
        fn a_window_below_the_resolution_is_raised_to_it(
            window_ms in 0u64..RES,
            last in START - 30_000..START,
            now in START..START + 30_000,
        ) {
            let judged = |window| {
                let cfg = PresenceConfig { typing_window: Duration::from_millis(window), ..PresenceConfig::default() };
                let base = at(Some(last));
                Watch::new(base, cfg, START, Duration::ZERO).observe(now, base)
            };
            prop_assert_eq!(judged(window_ms), judged(RES));
            prop_assert_eq!(PresenceConfig { typing_window: Duration::from_millis(window_ms), ..PresenceConfig::default() }.typing_window_ms(RES), RES);
        }
    }
}
