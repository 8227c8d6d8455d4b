//! How long a push waits: the [`Bands`] of turn lengths the user configures.
//!
//! A short turn means the user probably still watches the screen, so the push waits longer
//! for them to show they are there; after a long turn they have likely walked away, so it
//! goes out at once. Errors never wait.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::notification::Kind;

/// Delay bands: a turn shorter than `bands[i].0` seconds waits `bands[i].1` seconds (the first
/// band that fits wins); a turn longer than the last band waits 0 s. Errors and progress
/// updates always wait 0 s.
///
/// The default is `[[60, 20], [120, 15], [300, 10]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bands(Vec<(u64, u64)>);

/// Why a list of bands was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BandsError {
    /// Band limits must grow strictly.
    #[error("band limits must increase: {0} s does not come after {1} s")]
    NotIncreasing(u64, u64),
    /// A longer turn may not wait longer than a shorter one.
    #[error("a longer turn may not wait longer: {longer_wait} s after {wait} s")]
    WaitGrows {
        /// The wait of the shorter band.
        wait: u64,
        /// The larger wait of the longer band.
        longer_wait: u64,
    },
    /// A wait longer than an hour is surely a mistake.
    #[error("a wait of {0} s is longer than the maximum of 3600 s")]
    TooLong(u64),
}

impl Bands {
    /// The most a band may wait.
    pub const MAX_WAIT_SECS: u64 = 3600;

    /// Validated bands: limits strictly increasing, waits non-increasing and at most an hour.
    pub fn new(bands: Vec<(u64, u64)>) -> Result<Self, BandsError> {
        for pair in bands.windows(2) {
            let ((limit_a, wait_a), (limit_b, wait_b)) = (pair[0], pair[1]);
            if limit_b <= limit_a {
                return Err(BandsError::NotIncreasing(limit_b, limit_a));
            }
            if wait_b > wait_a {
                return Err(BandsError::WaitGrows {
                    wait: wait_a,
                    longer_wait: wait_b,
                });
            }
        }
        if let Some(&(_, wait)) = bands.iter().find(|(_, w)| *w > Self::MAX_WAIT_SECS) {
            return Err(BandsError::TooLong(wait));
        }
        Ok(Bands(bands))
    }

    /// The bands as `(turn shorter than, wait)` pairs in seconds.
    pub fn as_slice(&self) -> &[(u64, u64)] {
        &self.0
    }
}

impl Default for Bands {
    fn default() -> Self {
        Bands(vec![(60, 20), (120, 15), (300, 10)])
    }
}

impl Bands {
    /// The wait before a push of `kind` for a turn that lasted `turn`.
    pub fn delay(&self, turn: Duration, kind: Kind) -> Duration {
        if matches!(kind, Kind::Error | Kind::Progress) {
            return Duration::ZERO;
        }
        self.0
            .iter()
            .find(|(limit, _)| turn < Duration::from_secs(*limit))
            .map_or(Duration::ZERO, |(_, wait)| Duration::from_secs(*wait))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn default_bands_match_the_documented_table() {
        let b = Bands::default();
        assert_eq!(b.delay(secs(0), Kind::Done), secs(20));
        assert_eq!(b.delay(secs(59), Kind::Done), secs(20));
        assert_eq!(b.delay(secs(60), Kind::Done), secs(15));
        assert_eq!(b.delay(secs(119), Kind::NeedsInput), secs(15));
        assert_eq!(b.delay(secs(120), Kind::Done), secs(10));
        assert_eq!(b.delay(secs(299), Kind::Done), secs(10));
        assert_eq!(b.delay(secs(300), Kind::Done), secs(0));
        assert_eq!(b.delay(secs(3), Kind::Error), secs(0));
    }

    #[test]
    fn malformed_bands_are_refused() {
        assert_eq!(
            Bands::new(vec![(60, 20), (60, 10)]),
            Err(BandsError::NotIncreasing(60, 60))
        );
        assert_eq!(
            Bands::new(vec![(60, 10), (120, 20)]),
            Err(BandsError::WaitGrows {
                wait: 10,
                longer_wait: 20
            })
        );
        assert_eq!(
            Bands::new(vec![(60, 99_999)]),
            Err(BandsError::TooLong(99_999))
        );
        assert!(Bands::new(vec![]).is_ok());
    }

    fn valid_bands() -> impl Strategy<Value = Bands> {
        prop::collection::vec((1u64..10_000, 0u64..3600), 0..6).prop_map(|mut v| {
            let mut limits: Vec<u64> = v.iter().map(|b| b.0).collect();
            limits.sort_unstable();
            limits.dedup();
            let mut waits: Vec<u64> = v.iter().map(|b| b.1).collect();
            waits.sort_unstable_by(|a, b| b.cmp(a));
            v = limits.into_iter().zip(waits).collect();
            Bands::new(v).expect("constructed valid")
        })
    }

    proptest! {
        #[test]
        fn delay_never_grows_with_turn_length(b in valid_bands(), t1 in 0u64..20_000, t2 in 0u64..20_000) {
            let (short, long) = (t1.min(t2), t1.max(t2));
            prop_assert!(b.delay(secs(long), Kind::Done) <= b.delay(secs(short), Kind::Done));
        }

        #[test]
        fn errors_and_progress_never_wait(b in valid_bands(), t in 0u64..20_000) {
            prop_assert_eq!(b.delay(secs(t), Kind::Error), Duration::ZERO);
            prop_assert_eq!(b.delay(secs(t), Kind::Progress), Duration::ZERO);
        }

        #[test]
        fn past_the_last_band_nothing_waits(b in valid_bands(), extra in 0u64..10_000) {
            let last = b.as_slice().last().map_or(0, |l| l.0);
            prop_assert_eq!(b.delay(secs(last + extra), Kind::Done), Duration::ZERO);
        }
    }
}
