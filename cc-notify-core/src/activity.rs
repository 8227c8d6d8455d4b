//! The [`ActivityProbe`] trait: when did the user last interact with their terminal.

use std::time::Duration;

/// One reading of a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Activity {
    /// When the user last gave input, in Unix milliseconds, as far as the probe can tell.
    pub last_input_ms: Option<u64>,
    /// How coarse `last_input_ms` is: a change within this window may not show.
    pub resolution_ms: u64,
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
}

/// Tells when the user last interacted, and how precisely it can tell.
///
/// One required method; object-safe. Implement it in your own crate:
///
/// ```
/// use cc_notify_core::{Activity, ActivityProbe, ProbeError};
///
/// /// A user who never touches the keyboard.
/// struct Away;
///
/// impl ActivityProbe for Away {
///     fn sample(&self) -> Result<Activity, ProbeError> {
///         Ok(Activity { last_input_ms: None, resolution_ms: 0 })
///     }
/// }
///
/// let probe: &dyn ActivityProbe = &Away;
/// assert_eq!(probe.sample().unwrap().last_input_ms, None);
/// ```
pub trait ActivityProbe {
    /// Reads the probe now.
    fn sample(&self) -> Result<Activity, ProbeError>;
}

impl<P: ActivityProbe + ?Sized> ActivityProbe for &P {
    fn sample(&self) -> Result<Activity, ProbeError> {
        (**self).sample()
    }
}

impl<P: ActivityProbe + ?Sized> ActivityProbe for Box<P> {
    fn sample(&self) -> Result<Activity, ProbeError> {
        (**self).sample()
    }
}

/// The resolution of Linux pty timestamps: the kernel stores a new atime/mtime only when the
/// seconds differ above the low 3 bits (`tty_update_time()`), so they move in 8 s buckets.
pub const PTY_RESOLUTION: Duration = Duration::from_secs(8);
