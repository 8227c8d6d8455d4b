//! The [`Notifier`] trait: how a push leaves the machine.

use std::sync::Arc;

use crate::notification::Notification;

/// Delivers a [`Notification`] somewhere: a phone, a desktop, a log.
///
/// One required method; object-safe, so the backend can be chosen at run time
/// (`Box<dyn Notifier>`). Implement it in your own crate:
///
/// ```
/// use cc_notify_core::{Notification, Notifier, NotifyError, Receipt};
///
/// /// Writes each push to stderr.
/// struct Stderr;
///
/// impl Notifier for Stderr {
///     fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
///         eprintln!("[{}] {}: {}", n.kind.as_str(), n.title, n.body);
///         Ok(Receipt::default())
///     }
/// }
///
/// let notifier: Box<dyn Notifier> = Box::new(Stderr);
/// notifier.send(&Notification::new(cc_notify_core::Kind::Done, "proj: done", "All tests pass.")).unwrap();
/// ```
pub trait Notifier {
    /// Delivers one notification. Must not block for long: bound every network wait.
    fn send(&self, notification: &Notification) -> Result<Receipt, NotifyError>;

    /// A short name for logs and `doctor` (`pushover`, `desktop`, …).
    fn name(&self) -> &str {
        "notifier"
    }
}

impl<N: Notifier + ?Sized> Notifier for &N {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        (**self).send(n)
    }
    fn name(&self) -> &str {
        (**self).name()
    }
}

impl<N: Notifier + ?Sized> Notifier for Box<N> {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        (**self).send(n)
    }
    fn name(&self) -> &str {
        (**self).name()
    }
}

impl<N: Notifier + ?Sized> Notifier for Arc<N> {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        (**self).send(n)
    }
    fn name(&self) -> &str {
        (**self).name()
    }
}

/// What a successful delivery reports back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Receipt {
    /// The service's id for the request (Pushover's `request`), for support and logs.
    pub request_id: Option<String>,
    /// An emergency-priority receipt to poll or cancel.
    pub receipt: Option<String>,
    /// Messages left in the sender's quota, when the service says.
    pub quota_remaining: Option<u64>,
    /// When the quota resets (Unix seconds), when the service says.
    pub quota_reset: Option<u64>,
}

/// Why a delivery failed, classified so callers know whether to retry.
///
/// Permanent errors must not be retried with the same request (the service said it is wrong,
/// and repeating it can get the user blocked); transient ones may be retried after a pause.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The notifier's configuration is unusable (missing or malformed credentials, bad URL).
    /// Permanent.
    #[error("configuration: {0}")]
    Config(String),
    /// The service refused the request (HTTP 4xx). Permanent.
    #[error("rejected by the service{}: {message}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    Rejected {
        /// The HTTP status, if there was one.
        status: Option<u16>,
        /// The service's own explanation.
        message: String,
    },
    /// The sender's quota is used up (HTTP 429). Permanent until the reset time.
    #[error("quota used up{}", until.map(|t| format!(" until {t} (Unix time)")).unwrap_or_default())]
    QuotaExhausted {
        /// When sending may start again (Unix seconds), if known.
        until: Option<u64>,
    },
    /// The service failed or could not be reached (5xx, connection, DNS). Transient.
    #[error("temporary failure: {0}")]
    Unavailable(String),
    /// No answer within the configured timeout. Transient; note a resend may deliver twice.
    #[error("timed out: {0}")]
    Timeout(String),
}

impl NotifyError {
    /// Retrying the same request cannot succeed (until the configuration or quota changes).
    pub fn is_permanent(&self) -> bool {
        !self.is_transient()
    }

    /// The same request may succeed later; retry no sooner than the service's etiquette allows.
    pub fn is_transient(&self) -> bool {
        matches!(self, NotifyError::Unavailable(_) | NotifyError::Timeout(_))
    }

    /// The failure was a timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, NotifyError::Timeout(_))
    }
}
