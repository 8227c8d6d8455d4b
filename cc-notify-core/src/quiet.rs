//! Quiet controls: whether a push is silenced now, and why ([`silenced`]).
//!
//! Two things silence pushes:
//!
//! * a **mute** ([`Mutes`]), set by `cc-notify mute`: of every push or of one project's, until
//!   a time or until `cc-notify unmute`. A mute silences every kind of push;
//! * **quiet hours** ([`QuietPolicy`]): a daily range of local wall-clock time
//!   (`"22:00-07:00"` crosses midnight), during which only the kinds in `allow` get through.
//!
//! The decision is a pure function of the time, the push and the settings: the deliverer asks
//! it right before sending, so a mute set while a push waits still applies.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Kind;

/// Minutes in a day.
const DAY_MIN: u16 = 24 * 60;

/// A daily range of local time, `start` included, `end` excluded; `start > end` crosses
/// midnight. Written `"HH:MM-HH:MM"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    start: u16,
    end: u16,
}

/// Why a quiet-hours range was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuietHoursError {
    /// Not `HH:MM-HH:MM` with hours 00–23 and minutes 00–59.
    #[error("{0:?} is not a range of local times like \"22:00-07:00\"")]
    Malformed(String),
    /// Start and end are the same time: an empty range, or a whole day?
    #[error("{0:?} starts and ends at the same time; mute with `cc-notify mute` instead")]
    Empty(String),
}

impl QuietHours {
    /// The range from `start` to `end`, each in minutes after local midnight (below 1440,
    /// different from each other).
    pub fn new(start: u16, end: u16) -> Option<QuietHours> {
        (start < DAY_MIN && end < DAY_MIN && start != end).then_some(QuietHours { start, end })
    }

    /// Whether `minute` (after local midnight, below 1440) is inside the range.
    pub fn contains(self, minute: u16) -> bool {
        if self.start < self.end {
            (self.start..self.end).contains(&minute)
        } else {
            minute >= self.start || minute < self.end
        }
    }

    /// Minutes from `minute` to the range's end (the next one, if `minute` is outside).
    pub fn minutes_to_end(self, minute: u16) -> u16 {
        (self.end + DAY_MIN - minute % DAY_MIN) % DAY_MIN
    }
}

impl FromStr for QuietHours {
    type Err = QuietHoursError;

    fn from_str(s: &str) -> Result<QuietHours, QuietHoursError> {
        let malformed = || QuietHoursError::Malformed(s.to_owned());
        let time = |t: &str| -> Option<u16> {
            let (h, m) = t.trim().split_once(':')?;
            let all_digits =
                |x: &str| (1..=2).contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit());
            if !all_digits(h) || m.len() != 2 || !all_digits(m) {
                return None;
            }
            let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
            (h < 24 && m < 60).then_some(h * 60 + m)
        };
        let (a, b) = s.split_once('-').ok_or_else(malformed)?;
        let (start, end) = (
            time(a).ok_or_else(malformed)?,
            time(b).ok_or_else(malformed)?,
        );
        QuietHours::new(start, end).ok_or_else(|| QuietHoursError::Empty(s.to_owned()))
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        write!(f, "{}-{}", hm(self.start), hm(self.end))
    }
}

/// The configured quiet hours and what still gets through them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QuietPolicy {
    /// The daily range; `None`: no quiet hours.
    pub hours: Option<QuietHours>,
    /// The kinds of push still sent during quiet hours (none by default).
    pub allow: Vec<Kind>,
}

/// One mute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mute {
    /// When it ends (Unix ms); `None`: when `cc-notify unmute` ends it.
    pub until_ms: Option<u64>,
}

impl Mute {
    /// Whether it still holds at `now_ms`.
    pub fn active(self, now_ms: u64) -> bool {
        self.until_ms.is_none_or(|until| now_ms < until)
    }
}

/// The mutes in force, as kept in the state directory.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Mutes {
    /// The mute of every push.
    pub all: Option<Mute>,
    /// Mutes of one project's pushes, by project name (the last component of its directory).
    pub projects: BTreeMap<String, Mute>,
}

impl Mutes {
    /// Drops the mutes that have ended by `now_ms`; whether any was dropped.
    pub fn prune(&mut self, now_ms: u64) -> bool {
        let before = (self.all, self.projects.len());
        self.all = self.all.filter(|m| m.active(now_ms));
        self.projects.retain(|_, m| m.active(now_ms));
        before != (self.all, self.projects.len())
    }

    /// Whether no mute is recorded (ended ones included).
    pub fn is_empty(&self) -> bool {
        self.all.is_none() && self.projects.is_empty()
    }
}

/// The moment a push is judged at, in the two clocks the controls use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    /// Unix milliseconds (for mutes).
    pub unix_ms: u64,
    /// Minutes after local midnight, below 1440 (for quiet hours).
    pub local_minute: u16,
}

/// Why a push is silenced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Silenced {
    /// Every push is muted.
    Muted(Mute),
    /// This push's project is muted.
    ProjectMuted {
        /// The project.
        project: String,
        /// The mute.
        mute: Mute,
    },
    /// It is quiet hours, and this kind is not let through.
    QuietHours {
        /// The range.
        hours: QuietHours,
        /// Minutes until it ends.
        minutes_left: u16,
    },
}

impl Silenced {
    /// The mute that silences, if a mute does (not quiet hours).
    pub fn mute(&self) -> Option<Mute> {
        match self {
            Silenced::Muted(m) | Silenced::ProjectMuted { mute: m, .. } => Some(*m),
            Silenced::QuietHours { .. } => None,
        }
    }
}

impl fmt::Display for Silenced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Silenced::Muted(_) => write!(f, "every push is muted"),
            Silenced::ProjectMuted { project, .. } => write!(f, "project {project} is muted"),
            Silenced::QuietHours {
                hours,
                minutes_left,
            } => write!(
                f,
                "quiet hours {hours} (local time, {}h {:02}m left)",
                minutes_left / 60,
                minutes_left % 60
            ),
        }
    }
}

/// Whether a push of `kind` about `project` is silenced at `now`, and why: a mute of every
/// push first, then one of its project, then quiet hours (unless its kind is allowed).
pub fn silenced(
    now: Moment,
    kind: Kind,
    project: Option<&str>,
    mutes: &Mutes,
    policy: &QuietPolicy,
) -> Option<Silenced> {
    if let Some(m) = mutes.all.filter(|m| m.active(now.unix_ms)) {
        return Some(Silenced::Muted(m));
    }
    if let Some((project, mute)) = project.and_then(|p| mutes.projects.get_key_value(p))
        && mute.active(now.unix_ms)
    {
        return Some(Silenced::ProjectMuted {
            project: project.clone(),
            mute: *mute,
        });
    }
    let hours = policy.hours?;
    (hours.contains(now.local_minute) && !policy.allow.contains(&kind)).then(|| {
        Silenced::QuietHours {
            hours,
            minutes_left: hours.minutes_to_end(now.local_minute),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(unix_ms: u64, local_minute: u16) -> Moment {
        Moment {
            unix_ms,
            local_minute,
        }
    }

    fn night() -> QuietPolicy {
        QuietPolicy {
            hours: Some("22:00-07:00".parse().unwrap()),
            allow: vec![Kind::Error, Kind::NeedsInput],
        }
    }

    #[test]
    fn parses_and_refuses() {
        let h: QuietHours = "22:00-07:00".parse().unwrap();
        assert_eq!(h.to_string(), "22:00-07:00");
        assert_eq!(
            "9:05 - 17:30".parse::<QuietHours>().unwrap().to_string(),
            "09:05-17:30"
        );
        for bad in [
            "",
            "22:00",
            "24:00-07:00",
            "22:60-07:00",
            "22-07",
            "a:bc-07:00",
            "22:0-07:00",
        ] {
            assert!(
                matches!(
                    bad.parse::<QuietHours>(),
                    Err(QuietHoursError::Malformed(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            "07:00-07:00".parse::<QuietHours>(),
            Err(QuietHoursError::Empty(_))
        ));
    }

    #[test]
    fn quiet_hours_cross_midnight_and_let_allowed_kinds_through() {
        let p = night();
        let none = Mutes::default();
        assert!(silenced(at(0, 23 * 60), Kind::Done, None, &none, &p).is_some());
        assert!(silenced(at(0, 3 * 60), Kind::Progress, None, &none, &p).is_some());
        assert!(silenced(at(0, 7 * 60), Kind::Done, None, &none, &p).is_none());
        assert!(silenced(at(0, 12 * 60), Kind::Done, None, &none, &p).is_none());
        assert!(silenced(at(0, 23 * 60), Kind::Error, None, &none, &p).is_none());
        assert!(silenced(at(0, 23 * 60), Kind::NeedsInput, None, &none, &p).is_none());
        let Some(Silenced::QuietHours { minutes_left, .. }) =
            silenced(at(0, 23 * 60), Kind::Done, None, &none, &p)
        else {
            panic!("quiet hours expected");
        };
        assert_eq!(minutes_left, 8 * 60);
    }

    #[test]
    fn a_mute_silences_every_kind_until_it_expires() {
        let mutes = Mutes {
            all: Some(Mute {
                until_ms: Some(1_000),
            }),
            ..Mutes::default()
        };
        let p = QuietPolicy::default();
        assert!(silenced(at(999, 0), Kind::Error, None, &mutes, &p).is_some());
        assert!(silenced(at(1_000, 0), Kind::Error, None, &mutes, &p).is_none());
    }

    #[test]
    fn prune_drops_only_ended_mutes() {
        let mut m = Mutes::default();
        m.projects.insert("a".into(), Mute { until_ms: Some(10) });
        m.projects.insert("b".into(), Mute { until_ms: None });
        assert!(m.prune(10));
        assert_eq!(m.projects.keys().collect::<Vec<_>>(), ["b"]);
        assert!(!m.prune(u64::MAX));
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop::sample::select(Kind::ALL.to_vec())
    }

    fn hours() -> impl Strategy<Value = QuietHours> {
        (0..DAY_MIN, 0..DAY_MIN)
            .prop_filter("non-empty", |(s, e)| s != e)
            .prop_map(|(s, e)| QuietHours::new(s, e).unwrap())
    }

    proptest! {
        #[test]
        fn a_range_and_its_reverse_split_the_day(h in hours(), minute in 0..DAY_MIN) {
            let reverse = QuietHours::new(h.end, h.start).unwrap();
            prop_assert_ne!(h.contains(minute), reverse.contains(minute));
            prop_assert!(h.contains(h.start));
            prop_assert!(!h.contains(h.end));
        }

        #[test]
        fn quiet_lasts_exactly_until_the_end(h in hours(), minute in 0..DAY_MIN) {
            let left = h.minutes_to_end(minute);
            if h.contains(minute) {
                // Every minute from now to the end is quiet, the end is not.
                prop_assert!((0..left).all(|i| h.contains((minute + i) % DAY_MIN)));
                prop_assert!(!h.contains((minute + left) % DAY_MIN));
            }
        }

        #[test]
        fn display_parses_back(h in hours()) {
            prop_assert_eq!(h.to_string().parse::<QuietHours>(), Ok(h));
        }

        #[test]
        fn mutes_expire_and_stay_in_their_project(
            until in 1u64..1_000_000, now in 0u64..2_000_000, k in kind(),
            minute in 0..DAY_MIN, h in hours(),
        ) {
            let policy = QuietPolicy { hours: Some(h), allow: Kind::ALL.to_vec() };
            let mut mutes = Mutes::default();
            mutes.projects.insert("muted".into(), Mute { until_ms: Some(until) });
            let moment = at(now, minute);
            // Allowing every kind makes quiet hours silence nothing: only the mute decides.
            prop_assert_eq!(
                silenced(moment, k, Some("muted"), &mutes, &policy).is_some(),
                now < until
            );
            prop_assert!(silenced(moment, k, Some("other"), &mutes, &policy).is_none());
            prop_assert!(silenced(moment, k, None, &mutes, &policy).is_none());
            mutes.all = Some(Mute { until_ms: None });
            prop_assert!(silenced(moment, k, Some("other"), &mutes, &policy).is_some());
        }

        #[test]
        fn quiet_hours_silence_exactly_the_kinds_not_allowed(
            h in hours(), minute in 0..DAY_MIN, k in kind(),
            allow in prop::collection::vec(kind(), 0..4),
        ) {
            let policy = QuietPolicy { hours: Some(h), allow: allow.clone() };
            let got = silenced(at(0, minute), k, None, &Mutes::default(), &policy);
            prop_assert_eq!(got.is_some(), h.contains(minute) && !allow.contains(&k));
        }
    }
}
