//! The second chance: a push skipped because the user was typing comes later if they leave.
//!
//! Claude Code sends no `idle_prompt` once the user has touched the keyboard, so a user who
//! starts typing a reply and walks away would otherwise hear nothing while the agent waits. After
//! a typing skip the deliverer keeps watching, for at most `watch_for`, and sends a reminder once
//! a probe says "away now" (locked, detached) or once no probe has seen input for `after`.
//! The next prompt drops it (the deliverer is cancelled as for any pending push), and so does
//! the agent no longer waiting. No readable input time means no reminder: the user was last
//! seen typing, and silence from the probes is not evidence that they left.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Reason, bucket_end_ms, millis, secs};
use crate::activity::{Certainty, Reading};
use crate::presence::rule::Evidence;

/// How the reminder after a typing skip works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReminderConfig {
    /// Input stopped this long means the user left. Default 120 s.
    #[serde(with = "secs")]
    pub after: Duration,
    /// Stop watching this long after the skip; zero: no reminders at all. Default 1800 s.
    #[serde(with = "secs")]
    pub watch_for: Duration,
}

impl Default for ReminderConfig {
    fn default() -> Self {
        ReminderConfig {
            after: Duration::from_secs(120),
            watch_for: Duration::from_secs(1800),
        }
    }
}

/// What the deliverer does next while a reminder is pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReminderStep {
    /// Keep polling; nothing is due before `until_ms` unless a probe says "away now".
    Wait {
        /// The next deadline.
        until_ms: u64,
    },
    /// Send the reminder now ([`Reminder::reason`] says why).
    Send,
    /// The watch is over without a reminder.
    GiveUp,
}

/// One reminder's watch, from the typing skip on.
#[derive(Debug, Clone)]
pub struct Reminder {
    cfg: ReminderConfig,
    end_ms: u64,
    decided: Option<ReminderStep>,
    reason: Option<Reason>,
}

impl Reminder {
    /// Starts watching after a push was skipped at `skipped_ms` (Unix ms).
    pub fn new(skipped_ms: u64, cfg: ReminderConfig) -> Reminder {
        Reminder {
            cfg,
            end_ms: skipped_ms.saturating_add(millis(cfg.watch_for)),
            decided: None,
            reason: None,
        }
    }

    /// Why the reminder was sent.
    pub fn reason(&self) -> Option<Reason> {
        self.reason
    }

    /// Feeds one poll of every probe. Once `Send` or `GiveUp` is returned, every later call
    /// returns the same.
    pub fn observe(&mut self, now_ms: u64, readings: &[Reading]) -> ReminderStep {
        if let Some(decided) = self.decided {
            return decided;
        }
        let step = self.step(now_ms, readings);
        if !matches!(step, ReminderStep::Wait { .. }) {
            self.decided = Some(step);
        }
        step
    }

    fn step(&mut self, now_ms: u64, readings: &[Reading]) -> ReminderStep {
        if now_ms >= self.end_ms {
            return ReminderStep::GiveUp;
        }
        if let Some((probe, why)) = readings.iter().find_map(|r| match r.certainty {
            Certainty::AwayNow(why) => Some((r.probe, why)),
            _ => None,
        }) {
            self.reason = Some(Reason::Away { probe, why });
            return ReminderStep::Send;
        }
        // The latest the last input can have been, on any probe.
        let latest = readings
            .iter()
            .filter_map(|r| {
                let input = r.input?;
                let last = input.activity.last_input_ms?;
                let e = Evidence {
                    probe: r.probe,
                    signal: input.signal,
                    last_input_ms: last,
                    resolution_ms: input.activity.resolution_ms,
                };
                Some((bucket_end_ms(last, e.resolution_ms), e))
            })
            .max_by_key(|(end, _)| *end);
        let Some((latest_ms, e)) = latest else {
            return ReminderStep::Wait {
                until_ms: self.end_ms,
            };
        };
        let due_ms = latest_ms.saturating_add(millis(self.cfg.after));
        if now_ms >= due_ms {
            self.reason = Some(Reason::Idle {
                sharpest: Some(e),
                after_grace: false,
            });
            return ReminderStep::Send;
        }
        ReminderStep::Wait {
            until_ms: due_ms.min(self.end_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{Activity, Input};
    use proptest::prelude::*;

    const SKIP: u64 = 1_000_000;

    fn reading(probe: &'static str, last: u64, res: u64) -> Reading {
        Reading {
            probe,
            input: Some(Input {
                signal: "input",
                activity: Activity {
                    last_input_ms: Some(last),
                    resolution_ms: res,
                },
                jitter_ms: 0,
            }),
            certainty: Certainty::Nothing,
        }
    }

    #[test]
    fn reminds_once_input_stopped_for_the_configured_time() {
        let mut r = Reminder::new(SKIP, ReminderConfig::default());
        let typing = [reading("tmux", SKIP + 5_000, 1_000)];
        assert_eq!(
            r.observe(SKIP + 6_000, &typing),
            ReminderStep::Wait {
                until_ms: SKIP + 5_000 + 1_000 + 120_000
            }
        );
        assert_eq!(r.observe(SKIP + 126_000, &typing), ReminderStep::Send);
        assert_eq!(r.observe(SKIP + 127_000, &[]), ReminderStep::Send);
    }

    #[test]
    fn any_probe_with_recent_input_holds_it_back() {
        let mut r = Reminder::new(SKIP, ReminderConfig::default());
        let readings = [
            reading("x11", SKIP, 1),
            reading("pty", SKIP + 200_000, 8_000),
        ];
        assert!(matches!(
            r.observe(SKIP + 210_000, &readings),
            ReminderStep::Wait { .. }
        ));
    }

    #[test]
    fn away_now_reminds_at_once_and_silence_never_does() {
        let mut r = Reminder::new(SKIP, ReminderConfig::default());
        assert_eq!(
            r.observe(SKIP + 1_000, &[Reading::unknown("tmux", "gone")]),
            ReminderStep::Wait {
                until_ms: SKIP + 1_800_000
            }
        );
        let detached = Reading {
            probe: "tmux",
            input: None,
            certainty: Certainty::AwayNow("session has no client attached"),
        };
        assert_eq!(r.observe(SKIP + 2_000, &[detached]), ReminderStep::Send);

        let mut r = Reminder::new(SKIP, ReminderConfig::default());
        assert_eq!(
            r.observe(SKIP + 1_800_000, &[Reading::unknown("tmux", "gone")]),
            ReminderStep::GiveUp
        );
    }

    #[test]
    fn no_watch_gives_up_at_once() {
        let cfg = ReminderConfig {
            watch_for: Duration::ZERO,
            ..ReminderConfig::default()
        };
        let mut r = Reminder::new(SKIP, cfg);
        assert_eq!(r.observe(SKIP, &[]), ReminderStep::GiveUp);
    }

    proptest! {
        #[test]
        fn never_reminds_while_input_is_fresher_than_after(
            polls in prop::collection::vec((1u64..20_000, 0u64..130_000), 1..100),
        ) {
            let mut r = Reminder::new(SKIP, ReminderConfig::default());
            let mut now = SKIP;
            for (dt, input_age) in polls {
                now += dt;
                let last = now.saturating_sub(input_age);
                let step = r.observe(now, &[reading("tmux", last, 1_000)]);
                if step == ReminderStep::Send {
                    prop_assert!(bucket_end_ms(last, 1_000) + 120_000 <= now);
                    prop_assert!(input_age >= 119_000, "reminded {input_age} ms after input");
                    break;
                }
                if step == ReminderStep::GiveUp {
                    prop_assert!(now >= SKIP + 1_800_000);
                    break;
                }
            }
        }
    }
}
