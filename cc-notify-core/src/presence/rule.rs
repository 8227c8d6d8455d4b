//! The one rule that combines what every probe reads into a [`Verdict`]. Pure: the caller
//! supplies the readings and each probe's baseline.
//!
//! 1. **Away now** — a probe is certain the user cannot be at the screen (locked, no terminal
//!    attached to the agent's tmux session): away, whatever any input time shows.
//! 2. **Present** — any probe saw input since its baseline (the reading taken when the push was
//!    scheduled, or the probe's first reading after that): present, whatever the others show;
//!    at any resolution, so an 8-second pty bucket that moved counts as much as a 1 ms X idle.
//! 3. **Idle** — otherwise; the sharpest input time any probe offers is kept to judge "was it
//!    recent", and none at all means no check can be made (a push is then not held back).
//!
//! A probe that cannot be read ([`Certainty::Unknown`]) offers no input time and no certainty:
//! it never means present and never means away.

use crate::activity::{Activity, Certainty, Input, Reading};

/// Each probe's baseline: its input time when the watch started (`None`: no input seen yet).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baselines(Vec<(&'static str, Option<Activity>)>);

impl Baselines {
    /// The baseline of `probe`; `None` when it has none yet.
    pub fn get(&self, probe: &str) -> Option<Option<Activity>> {
        self.0.iter().find(|(p, _)| *p == probe).map(|(_, a)| *a)
    }

    /// Takes the baseline of every probe in `readings` that has none yet and could be read.
    pub fn fill(&mut self, readings: &[Reading]) {
        for r in readings {
            if !matches!(r.certainty, Certainty::Unknown(_)) && self.get(r.probe).is_none() {
                self.0.push((r.probe, r.input.map(|i| i.activity)));
            }
        }
    }
}

/// One input time that decided, for the log: "tmux client_activity 2 s ago".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    /// The probe.
    pub probe: &'static str,
    /// Its signal.
    pub signal: &'static str,
    /// The input time it read (Unix ms).
    pub last_input_ms: u64,
    /// Its resolution.
    pub resolution_ms: u64,
}

impl Evidence {
    fn of(probe: &'static str, input: &Input) -> Option<Evidence> {
        Some(Evidence {
            probe,
            signal: input.signal,
            last_input_ms: input.activity.last_input_ms?,
            resolution_ms: input.activity.resolution_ms,
        })
    }

    /// "tmux client_activity 2 s ago", seen from `now_ms`.
    pub fn describe(&self, now_ms: u64) -> String {
        let ago = now_ms.saturating_sub(self.last_input_ms);
        let res = if self.resolution_ms >= 1000 {
            format!("{} s", self.resolution_ms / 1000)
        } else {
            format!("{} ms", self.resolution_ms)
        };
        format!(
            "{} {} {} ago ({res} resolution)",
            self.probe,
            self.signal,
            ago_text(ago)
        )
    }
}

/// "2 s", "350 ms", "3 min".
pub fn ago_text(ms: u64) -> String {
    match ms {
        0..1000 => format!("{ms} ms"),
        1000..120_000 => format!("{} s", ms / 1000),
        _ => format!("{} min", ms / 60_000),
    }
}

/// What the probes say together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A probe is certain the user is away now.
    Away {
        /// The probe.
        probe: &'static str,
        /// What it saw.
        why: &'static str,
    },
    /// A probe saw input since its baseline (the sharpest such one).
    Present(Evidence),
    /// No input since the baselines. `sharpest`: the finest input time any probe offers now
    /// (the latest of equally fine ones); `None`: no probe offers one, so no check is possible.
    Idle {
        /// The input time to judge recency by.
        sharpest: Option<Evidence>,
    },
}

/// `input` is new compared with the probe's `baseline`: a stored timestamp that changed, or a
/// computed one that moved later than its jitter. A probe with no baseline yet shows nothing new.
pub fn is_new(baseline: Option<Option<Activity>>, input: &Input) -> bool {
    let Some(last) = input.activity.last_input_ms else {
        return false;
    };
    match baseline {
        None => false,
        Some(None) => true,
        Some(Some(Activity {
            last_input_ms: None,
            ..
        })) => true,
        Some(Some(Activity {
            last_input_ms: Some(base),
            ..
        })) => {
            if input.jitter_ms == 0 {
                last != base
            } else {
                last > base.saturating_add(input.jitter_ms)
            }
        }
    }
}

/// The rule (see the [module docs](self)).
pub fn judge(baselines: &Baselines, readings: &[Reading]) -> Verdict {
    if let Some((probe, why)) = readings.iter().find_map(|r| match r.certainty {
        Certainty::AwayNow(why) => Some((r.probe, why)),
        _ => None,
    }) {
        return Verdict::Away { probe, why };
    }
    let finest = |a: &Evidence, b: &Evidence| {
        b.resolution_ms
            .cmp(&a.resolution_ms)
            .then(a.last_input_ms.cmp(&b.last_input_ms))
    };
    let evidence = || {
        readings
            .iter()
            .filter_map(|r| Some((r, Evidence::of(r.probe, r.input.as_ref()?)?)))
    };
    let present = evidence()
        .filter(|(r, _)| {
            r.input
                .as_ref()
                .is_some_and(|i| is_new(baselines.get(r.probe), i))
        })
        .map(|(_, e)| e)
        .max_by(finest);
    match present {
        Some(e) => Verdict::Present(e),
        None => Verdict::Idle {
            sharpest: evidence().map(|(_, e)| e).max_by(finest),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reading(probe: &'static str, last: Option<u64>, res: u64, c: Certainty) -> Reading {
        Reading {
            probe,
            input: Some(Input {
                signal: "input",
                activity: Activity {
                    last_input_ms: last,
                    resolution_ms: res,
                },
                jitter_ms: if res < 1000 { 250 } else { 0 },
            }),
            certainty: c,
        }
    }

    fn baselines(readings: &[Reading]) -> Baselines {
        let mut b = Baselines::default();
        b.fill(readings);
        b
    }

    #[test]
    fn input_on_a_coarse_probe_is_present_although_a_sharp_one_saw_none() {
        let base = [
            reading("pty", Some(1_000_000), 8_000, Certainty::Nothing),
            reading("x11", Some(990_000), 1, Certainty::Nothing),
        ];
        let now = [
            reading("pty", Some(1_008_000), 8_000, Certainty::Nothing),
            reading("x11", Some(990_001), 1, Certainty::Nothing),
        ];
        match judge(&baselines(&base), &now) {
            Verdict::Present(e) => assert_eq!((e.probe, e.last_input_ms), ("pty", 1_008_000)),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn lock_beats_fresh_input() {
        let base = [reading("tmux", Some(1_000_000), 1_000, Certainty::Nothing)];
        let now = [
            reading("tmux", Some(1_005_000), 1_000, Certainty::Nothing),
            Reading {
                probe: "logind",
                input: None,
                certainty: Certainty::AwayNow("screen locked"),
            },
        ];
        assert_eq!(
            judge(&baselines(&base), &now),
            Verdict::Away {
                probe: "logind",
                why: "screen locked"
            }
        );
    }

    #[test]
    fn a_computed_time_must_move_past_its_jitter() {
        let base = [reading("x11", Some(1_000_000), 1, Certainty::Nothing)];
        let b = baselines(&base);
        let wobble = [reading("x11", Some(1_000_200), 1, Certainty::Nothing)];
        assert!(matches!(judge(&b, &wobble), Verdict::Idle { .. }));
        let typed = [reading("x11", Some(1_000_300), 1, Certainty::Nothing)];
        assert!(matches!(judge(&b, &typed), Verdict::Present(_)));
    }

    #[test]
    fn idle_reports_the_sharpest_input_time() {
        let now = [
            reading("pty", Some(1_000_000), 8_000, Certainty::Nothing),
            reading("tmux", Some(995_000), 1_000, Certainty::Nothing),
            Reading::unknown("x11", "no display"),
        ];
        match judge(&baselines(&now), &now) {
            Verdict::Idle { sharpest: Some(e) } => assert_eq!(e.probe, "tmux"),
            v => panic!("{v:?}"),
        }
        assert_eq!(
            judge(
                &Baselines::default(),
                &[Reading::unknown("x11", "no display")]
            ),
            Verdict::Idle { sharpest: None }
        );
    }

    #[test]
    fn a_probe_first_read_after_the_start_takes_that_reading_as_its_baseline() {
        let mut b = Baselines::default();
        b.fill(&[Reading::unknown("tmux", "timed out")]);
        assert_eq!(b.get("tmux"), None);
        let first = [reading("tmux", Some(1_000_000), 1_000, Certainty::Nothing)];
        assert!(matches!(judge(&b, &first), Verdict::Idle { .. }));
        b.fill(&first);
        assert!(matches!(judge(&b, &first), Verdict::Idle { .. }));
        let typed = [reading("tmux", Some(1_001_000), 1_000, Certainty::Nothing)];
        assert!(matches!(judge(&b, &typed), Verdict::Present(_)));
    }

    #[test]
    fn describe_names_probe_signal_age_and_resolution() {
        let e = Evidence {
            probe: "tmux",
            signal: "client_activity",
            last_input_ms: 1_000_000,
            resolution_ms: 1_000,
        };
        assert_eq!(
            e.describe(1_002_400),
            "tmux client_activity 2 s ago (1 s resolution)"
        );
    }

    const PROBES: [&str; 4] = ["pty", "tmux", "x11", "logind"];

    fn certainty() -> impl Strategy<Value = Certainty> {
        prop_oneof![
            4 => Just(Certainty::Nothing),
            1 => Just(Certainty::AwayNow("locked")),
            1 => Just(Certainty::NotVisible("other window")),
            1 => Just(Certainty::Unknown("timed out".into())),
        ]
    }

    /// Per probe: its baseline input, its input now, its resolution, its certainty now.
    fn world() -> impl Strategy<Value = Vec<(Option<u64>, Option<u64>, u64, Certainty)>> {
        prop::collection::vec(
            (
                prop::option::of(900_000u64..1_000_000),
                prop::option::of(900_000u64..1_100_000),
                prop_oneof![Just(1u64), Just(1_000), Just(8_000)],
                certainty(),
            ),
            PROBES.len(),
        )
    }

    fn build(world: &[(Option<u64>, Option<u64>, u64, Certainty)]) -> (Baselines, Vec<Reading>) {
        let base: Vec<Reading> = world
            .iter()
            .zip(PROBES)
            .map(|((b, _, res, _), p)| reading(p, *b, *res, Certainty::Nothing))
            .collect();
        let now = world
            .iter()
            .zip(PROBES)
            .map(|((_, n, res, c), p)| match c {
                Certainty::Unknown(why) => Reading::unknown(p, why.clone()),
                c => reading(p, *n, *res, c.clone()),
            })
            .collect();
        (baselines(&base), now)
    }

    proptest! {
        #[test]
        fn away_now_from_any_probe_always_means_away(w in world()) {
            let (b, now) = build(&w);
            let away = now.iter().any(|r| matches!(r.certainty, Certainty::AwayNow(_)));
            prop_assert_eq!(away, matches!(judge(&b, &now), Verdict::Away { .. }));
        }

        #[test]
        fn new_input_on_any_probe_is_never_overruled_by_idle_ones(w in world()) {
            let (b, now) = build(&w);
            let away = now.iter().any(|r| matches!(r.certainty, Certainty::AwayNow(_)));
            let any_new = now.iter().any(|r| r.input.as_ref().is_some_and(|i| is_new(b.get(r.probe), i)));
            if !away {
                prop_assert_eq!(any_new, matches!(judge(&b, &now), Verdict::Present(_)));
            }
        }

        #[test]
        fn unknown_never_means_present(w in world()) {
            let (b, mut now) = build(&w);
            let before = judge(&b, &now);
            // Turning any probe's reading into "unknown" can only take presence away.
            for i in 0..now.len() {
                now[i] = Reading::unknown(PROBES[i], "gone");
                let after = judge(&b, &now);
                if matches!(after, Verdict::Present(_)) {
                    // Only possible when an away probe went silent; never new presence.
                    let ok = matches!(before, Verdict::Present(_) | Verdict::Away { .. });
                    prop_assert!(ok, "presence appeared when a probe became unknown");
                }
            }
            let all_unknown = judge(&b, &now);
            prop_assert_eq!(all_unknown, Verdict::Idle { sharpest: None });
        }
    }
}
