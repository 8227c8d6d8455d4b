//! Retrying transient failures politely: never sooner than 5 s after the last attempt, never
//! after a permanent failure.

use std::time::Duration;

use cc_notify_core::{Notification, Notifier, NotifyError, Receipt};

/// The least time between two attempts of the same request (Pushover's API etiquette).
pub const MIN_RETRY_INTERVAL: Duration = Duration::from_secs(5);

/// How long to wait before retrying after `err`; `None` when it must not be retried.
pub fn retry_after(err: &NotifyError) -> Option<Duration> {
    err.is_transient().then_some(MIN_RETRY_INTERVAL)
}

/// Sends `n` through any notifier, up to `attempts` times in all (at least once): a transient
/// failure is retried after `sleep(MIN_RETRY_INTERVAL)`, a permanent one is returned at once.
/// Returns the last error when every attempt failed.
pub fn send_with_retry(
    notifier: &dyn Notifier,
    n: &Notification,
    attempts: u32,
    sleep: &mut dyn FnMut(Duration),
) -> Result<Receipt, NotifyError> {
    let mut left = attempts.max(1);
    loop {
        left -= 1;
        match notifier.send(n) {
            Err(e) if left > 0 => match retry_after(&e) {
                Some(wait) => sleep(wait),
                None => return Err(e),
            },
            result => return result,
        }
    }
}
