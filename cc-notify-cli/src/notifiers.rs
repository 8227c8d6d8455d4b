//! Picking the notifier from the configuration, and delivering with retries.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use cc_notify_core::{Notification, Notifier, NotifyError, Receipt};
use cc_notify_pushover::Pushover;

use crate::config::Config;
use crate::local::LocalNotifier;

/// Pushover when credentials are configured, else the local notifier. A Pushover
/// configuration that is present but invalid fails every send, saying why.
pub fn build(config: &Config) -> Box<dyn Notifier> {
    match pushover(config) {
        Some(Ok(p)) => Box::new(p),
        Some(Err(e)) => Box::new(Broken(e)),
        None => Box::new(LocalNotifier::detect()),
    }
}

/// The Pushover sender, if credentials are configured at all.
pub fn pushover(config: &Config) -> Option<Result<Pushover, NotifyError>> {
    let cfg = &config.pushover;
    if cfg.token.is_empty() && cfg.user.is_empty() {
        return None;
    }
    Some(Pushover::new(cfg.clone()).map_err(|e| NotifyError::Config(e.to_string())))
}

/// A notifier whose configuration is unusable: every send fails permanently, saying why.
struct Broken(NotifyError);

impl Notifier for Broken {
    fn send(&self, _: &Notification) -> Result<Receipt, NotifyError> {
        Err(self.0.clone())
    }
    fn name(&self) -> &str {
        "pushover"
    }
}

/// Sends with the configured number of attempts, transient failures retried no sooner than
/// 5 s apart; a raised `stop` ends the waiting early (the remaining attempts fail fast).
pub fn send_with_retry(
    notifier: &dyn Notifier,
    n: &Notification,
    attempts: u32,
    stop: &AtomicBool,
) -> Result<Receipt, NotifyError> {
    let mut sleep = |wait: Duration| {
        let until = Instant::now() + wait;
        while !stop.load(Ordering::Relaxed) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100).min(until - Instant::now()));
        }
    };
    cc_notify_pushover::send_with_retry(notifier, n, attempts, &mut sleep)
}
