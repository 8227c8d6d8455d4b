//! Picking the notifier from the configuration, and delivering with retries.

use cc_notify_core::{Notification, Notifier, NotifyError, Receipt};
use cc_notify_pushover::Pushover;

use cc_notify_core::store::StateDir;

use crate::config::Config;
use crate::local::LocalNotifier;
use crate::outbox::{self, FailureMark};

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

/// How one delivery attempt ended.
pub enum Outcome {
    /// Sent.
    Sent(Receipt),
    /// Not attempted: the notifier refused permanently earlier and the configuration has not
    /// changed since (or the quota has not reset).
    Held(FailureMark),
    /// Failed transiently after every retry; kept in the outbox for a later delivery.
    Queued(NotifyError),
    /// Failed permanently; the notifier is marked as failing.
    Refused(NotifyError),
}

/// Delivers one push the polite way: not at all while the notifier is marked failing; the
/// outbox first, oldest first (if that fails, this push joins the outbox or is held, untried);
/// then this push with retries; a transient failure goes to the outbox, a permanent one marks
/// the notifier.
pub fn deliver(
    dir: &StateDir,
    config: &Config,
    notifier: &dyn Notifier,
    n: &Notification,
) -> Outcome {
    if let Some(mark) = outbox::active_failure(dir, config) {
        return Outcome::Held(mark);
    }
    let flushed = outbox::flush(dir, config, &mut |queued| {
        let result = notifier.send(queued).map(drop);
        outbox::record_outcome(dir, config, result.as_ref().map(|_| ()));
        result
    });
    if let Err(e) = flushed {
        // Still failing: this push waits behind the older ones instead of overtaking them.
        if e.is_transient() {
            outbox::enqueue(dir, n);
            return Outcome::Queued(e);
        }
        // An older push was just refused, marking the notifier: hold this one too.
        if let Some(mark) = outbox::active_failure(dir, config) {
            return Outcome::Held(mark);
        }
    }
    match cc_notify_pushover::send_with_retry(
        notifier,
        n,
        config.delivery.retries,
        &mut std::thread::sleep,
    ) {
        Ok(receipt) => {
            outbox::record_outcome(dir, config, Ok(()));
            Outcome::Sent(receipt)
        }
        Err(e) if e.is_transient() => {
            outbox::enqueue(dir, n);
            Outcome::Queued(e)
        }
        Err(e) => {
            outbox::record_outcome(dir, config, Err(&e));
            Outcome::Refused(e)
        }
    }
}
