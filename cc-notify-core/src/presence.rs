//! The presence verdict: is the user at the keyboard, judged from [`Activity`] samples at the
//! probe's resolution. Pure: the caller supplies the clock and the samples.
//!
//! # The model
//!
//! The deliverer takes a baseline sample when it schedules a push, waits the push's delay while
//! polling about once a second, decides at the end of the delay, possibly watches for `grace`
//! more, then sends or skips. [`Watch`] is that timeline as a state machine: feed it every poll
//! with [`Watch::observe`] and follow the [`WatchStep`] it returns.
//!
//! 1. **Input after the baseline skips the push**, at any time: the user is back.
//! 2. **Recent input at the end of the delay starts a grace watch.** If the last input is
//!    within `typing_window` of now, the user may be reading at the keyboard: watch `grace`
//!    more, skip on input, send when it ends. Otherwise send at once.
//! 3. **No probe, no typing check**: without a baseline the push goes out when the delay ends.
//!
//! Recency is judged conservatively at the probe's resolution. On Linux a pty's atime only
//! moves when the new time differs from the stored one above the low 3 bits of the seconds
//! (`tty_update_time()` in `drivers/tty/tty_io.c`): timestamps move in aligned 8-second
//! buckets, and the stored time is the *first* input of its bucket. The last keystroke may be as
//! late as the end of that bucket, `(stored_secs | 7) + 1`, so that is the time compared with
//! the window; and a window shorter than the resolution cannot be judged, so it is raised to it.

use std::time::Duration;

use crate::activity::Activity;

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
}

impl Default for PresenceConfig {
    fn default() -> Self {
        PresenceConfig {
            typing_window: Duration::from_secs(10),
            grace: Duration::from_secs(15),
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

/// What the deliverer does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchStep {
    /// Keep polling; nothing is decided before `until_ms` (Unix ms) unless input shows.
    Wait {
        /// The next deadline: the end of the delay or of the grace watch.
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
/// ```
#[derive(Debug, Clone)]
pub struct Watch {
    baseline: Option<Activity>,
    cfg: PresenceConfig,
    delay_end_ms: u64,
    grace_end_ms: Option<u64>,
    decided: Option<WatchStep>,
}

impl Watch {
    /// Starts watching a push scheduled at `start_ms` (Unix ms) to wait `delay`, with the
    /// probe's reading at that moment (`None`: no probe).
    pub fn new(
        baseline: Option<Activity>,
        cfg: PresenceConfig,
        start_ms: u64,
        delay: Duration,
    ) -> Watch {
        Watch {
            baseline,
            cfg,
            delay_end_ms: start_ms.saturating_add(millis(delay)),
            grace_end_ms: None,
            decided: None,
        }
    }

    /// Feeds one poll: the time now and the probe's reading (`None`: it could not be read).
    /// Once `Send` or `Skip` is returned, every later call returns the same.
    ///
    /// A sample that cannot be read is ignored while waiting; at the end of the delay it means
    /// no typing check can be made, so the push is sent.
    pub fn observe(&mut self, now_ms: u64, sample: Option<Activity>) -> WatchStep {
        if let Some(decided) = self.decided {
            return decided;
        }
        let step = self.step(now_ms, sample);
        if !matches!(step, WatchStep::Wait { .. }) {
            self.decided = Some(step);
        }
        step
    }

    fn step(&mut self, now_ms: u64, sample: Option<Activity>) -> WatchStep {
        let Some(base) = self.baseline else {
            return self.wait_until(now_ms, self.delay_end_ms);
        };
        if let Some(last_input_ms) = sample.and_then(|s| s.last_input_ms)
            && Some(last_input_ms) != base.last_input_ms
        {
            return WatchStep::Skip {
                reason: SkipReason::Typing { last_input_ms },
            };
        }
        if let Some(grace_end) = self.grace_end_ms {
            return self.wait_until(now_ms, grace_end);
        }
        if now_ms < self.delay_end_ms {
            return WatchStep::Wait {
                until_ms: self.delay_end_ms,
            };
        }
        let Some((last, resolution)) =
            sample.and_then(|s| Some((s.last_input_ms?, s.resolution_ms)))
        else {
            return WatchStep::Send;
        };
        if !recent(
            last,
            resolution,
            self.cfg.typing_window_ms(resolution),
            now_ms,
        ) {
            return WatchStep::Send;
        }
        let grace_end = now_ms.saturating_add(millis(self.cfg.grace));
        self.grace_end_ms = Some(grace_end);
        self.wait_until(now_ms, grace_end)
    }

    fn wait_until(&self, now_ms: u64, until_ms: u64) -> WatchStep {
        if now_ms >= until_ms {
            WatchStep::Send
        } else {
            WatchStep::Wait { until_ms }
        }
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
