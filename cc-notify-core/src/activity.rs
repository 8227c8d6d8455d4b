//! The [`ActivityProbe`] trait: what one presence signal can tell about the user right now —
//! when they last gave input and how precisely it knows ([`Activity`]), and what it can say for
//! certain ([`Certainty`]: away now, the agent not on screen, or that it cannot tell).

use std::time::Duration;

/// One input time of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Activity {
    /// When the user last gave input, in Unix milliseconds, as far as the probe can tell.
    pub last_input_ms: Option<u64>,
    /// How coarse `last_input_ms` is: a change within this window may not show.
    pub resolution_ms: u64,
}

/// What a probe can say for certain now, besides an input time.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Certainty {
    /// Nothing beyond its input time (if it has one).
    #[default]
    Nothing,
    /// The user cannot be at this screen now: the screen is locked, no terminal is attached to
    /// the agent's tmux session. Decides "away" at once, whatever any input time shows.
    AwayNow(&'static str),
    /// The agent is not on screen: another tmux window or pane is showing, or the terminal
    /// reported losing focus. Shown and logged; never means present, nor away, by itself.
    NotVisible(&'static str),
    /// The probe could not be read now (timed out, refused, not running). Never means present.
    Unknown(String),
}

/// An input time and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// The signal the time was read from, for the log: `atime`, `client_activity`, `idle`.
    pub signal: &'static str,
    /// The time and its resolution.
    pub activity: Activity,
    /// How far two readings of the same, unchanged input may differ: 0 for a stored timestamp
    /// (any change is new input), a few hundred ms for a time computed as "now minus idle".
    pub jitter_ms: u64,
}

/// Everything one probe says at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The probe, for the log: `pty`, `tmux`, `x11`, `mutter`, `logind`, `claude-session`.
    pub probe: &'static str,
    /// Its input time; `None` when it has none to offer now.
    pub input: Option<Input>,
    /// What it can say for certain.
    pub certainty: Certainty,
}

impl Reading {
    /// A reading that could not be taken: no input, [`Certainty::Unknown`] with `why`.
    pub fn unknown(probe: &'static str, why: impl Into<String>) -> Reading {
        Reading {
            probe,
            input: None,
            certainty: Certainty::Unknown(why.into()),
        }
    }
}

/// Why a probe could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The terminal (or whatever the probe watches) could not be read.
    #[error("cannot read {what}: {source}")]
    Io {
        /// What was being read.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The probe has no input time to offer now (see its [`Reading`]).
    #[error("{probe}: no input time ({why})")]
    NoInput {
        /// The probe.
        probe: &'static str,
        /// What it said instead.
        why: String,
    },
}

/// One presence signal: tells when the user last interacted, how precisely it can tell, and
/// what it knows for certain. Reading it must be bounded in time and fail to
/// [`Certainty::Unknown`], never to a wrong answer.
///
/// Two required methods; object-safe. Implement it in your own crate:
///
/// ```
/// use cc_notify_core::activity::{Certainty, Reading};
/// use cc_notify_core::ActivityProbe;
///
/// /// A screen that is always locked.
/// struct Locked;
///
/// impl ActivityProbe for Locked {
///     fn name(&self) -> &'static str {
///         "lock"
///     }
///     fn read(&self) -> Reading {
///         Reading { probe: self.name(), input: None, certainty: Certainty::AwayNow("locked") }
///     }
/// }
///
/// let probe: &dyn ActivityProbe = &Locked;
/// assert_eq!(probe.read().certainty, Certainty::AwayNow("locked"));
/// assert!(probe.sample().is_err(), "no input time to offer");
/// ```
pub trait ActivityProbe {
    /// The probe's name in the log and the live view.
    fn name(&self) -> &'static str;

    /// Reads the probe now.
    fn read(&self) -> Reading;

    /// Just the input time of [`ActivityProbe::read`]; an error when it has none.
    fn sample(&self) -> Result<Activity, ProbeError> {
        let reading = self.read();
        match reading.input {
            Some(input) => Ok(input.activity),
            None => Err(ProbeError::NoInput {
                probe: reading.probe,
                why: match reading.certainty {
                    Certainty::Unknown(why) => why,
                    Certainty::AwayNow(why) | Certainty::NotVisible(why) => why.to_owned(),
                    Certainty::Nothing => "nothing seen".to_owned(),
                },
            }),
        }
    }
}

impl<P: ActivityProbe + ?Sized> ActivityProbe for &P {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn read(&self) -> Reading {
        (**self).read()
    }
}

impl<P: ActivityProbe + ?Sized> ActivityProbe for Box<P> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn read(&self) -> Reading {
        (**self).read()
    }
}

/// The resolution of Linux pty timestamps: the kernel stores a new atime/mtime only when the
/// seconds differ above the low 3 bits (`tty_update_time()`), so they move in 8 s buckets.
pub const PTY_RESOLUTION: Duration = Duration::from_secs(8);
