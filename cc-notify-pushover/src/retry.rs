//! Retrying transient failures politely: the first retry no sooner than 5 s after the failed
//! attempt, each later one twice as long after the previous (capped), never after a permanent
//! failure.

use std::time::Duration;

use cc_notify_core::{Notification, Notifier, NotifyError, Receipt};

/// The least time between two attempts of the same request (Pushover's API etiquette).
pub const MIN_RETRY_INTERVAL: Duration = Duration::from_secs(5);

/// The longest wait between two attempts, however many retries came before.
pub const MAX_RETRY_INTERVAL: Duration = Duration::from_secs(60);

/// How long to wait before retry number `retry` (0 for the first) after `err`: 5 s, 10 s,
/// 20 s, … up to [`MAX_RETRY_INTERVAL`]; `None` when `err` must not be retried.
///
/// ```
/// use std::time::Duration;
/// use cc_notify_core::NotifyError;
/// use cc_notify_pushover::retry_after;
/// let down = NotifyError::Unavailable("connection refused".into());
/// assert_eq!(retry_after(&down, 2), Some(Duration::from_secs(20)));
/// assert_eq!(retry_after(&NotifyError::Config("bad token".into()), 0), None);
/// ```
pub fn retry_after(err: &NotifyError, retry: u32) -> Option<Duration> {
    let wait = MIN_RETRY_INTERVAL.saturating_mul(1u32 << retry.min(16));
    err.is_transient().then_some(wait.min(MAX_RETRY_INTERVAL))
}

/// Sends `n` through any notifier: once, then up to `retries` more times while the failure is
/// transient, sleeping [`retry_after`] before each retry (`sleep` is `std::thread::sleep`
/// outside tests). A permanent failure is returned at once; the last error is returned when
/// every attempt failed.
pub fn send_with_retry(
    notifier: &dyn Notifier,
    n: &Notification,
    retries: u32,
    sleep: &mut dyn FnMut(Duration),
) -> Result<Receipt, NotifyError> {
    let mut retry = 0;
    loop {
        match notifier.send(n) {
            Err(e) if retry < retries => match retry_after(&e, retry) {
                Some(wait) => {
                    sleep(wait);
                    retry += 1;
                }
                None => return Err(e),
            },
            result => return result,
        }
    }
}
