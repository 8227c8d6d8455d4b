//! Picking the notifier from the configuration, and delivering with retries.

use std::time::Duration;

use cc_notify_core::delivery::{Delivery, DeliveryStep, Outcome};
use cc_notify_core::store::StateDir;
use cc_notify_core::{Notification, Notifier, NotifyError, Receipt};
use cc_notify_pushover::Pushover;

use crate::config::Config;
use crate::local::LocalNotifier;
use crate::outbox;
use crate::runtime::now_ms;

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

/// Delivers one push the polite way, as core's [`Delivery`] timeline says (see
/// [`cc_notify_core::delivery`]): not at all while the notifier is marked failing; the outbox
/// first, oldest first (if that fails, this push joins the outbox or is held, untried); then
/// this push with retries; a transient failure goes to the outbox, a permanent one marks the
/// notifier.
pub fn deliver(
    dir: &StateDir,
    config: &Config,
    notifier: &dyn Notifier,
    n: &Notification,
) -> Outcome {
    let held = outbox::active_failure(dir, config);
    let mut flush = held
        .is_none()
        .then(|| outbox::Flush::open(dir, config))
        .flatten();
    let queued = flush.as_ref().is_some_and(|f| !f.is_empty());
    let (mut delivery, mut step) = Delivery::start(config.delivery.retries, held, queued);
    loop {
        step = match step {
            DeliveryStep::SendQueued => {
                let next = flush.as_mut().and_then(|f| {
                    let head = f.head()?.clone();
                    Some((f, head))
                });
                let Some((f, head)) = next else {
                    flush = None;
                    step = delivery.outbox_empty();
                    continue;
                };
                let result = notifier.send(&head);
                let sent = result.as_ref().map(drop);
                outbox::record_outcome(dir, config, sent);
                f.settle(sent);
                let more = !f.is_empty();
                let next = delivery.after(result, now_ms(), more);
                if !matches!(next, DeliveryStep::SendQueued) {
                    // Done with the outbox: save and unlock it before anything else.
                    flush = None;
                }
                next
            }
            DeliveryStep::Send => delivery.after(notifier.send(n), now_ms(), false),
            DeliveryStep::RetryAt { at_ms } => {
                std::thread::sleep(Duration::from_millis(at_ms.saturating_sub(now_ms())));
                DeliveryStep::Send
            }
            DeliveryStep::Enqueue(e) => {
                // Still failing: this push waits behind the older ones instead of overtaking
                // them.
                outbox::enqueue(dir, n);
                return Outcome::Queued(e);
            }
            DeliveryStep::Recheck => match outbox::active_failure(dir, config) {
                // An older push was just refused, marking the notifier: hold this one too.
                Some(mark) => return Outcome::Held(mark),
                None => DeliveryStep::Send,
            },
            DeliveryStep::Finish(outcome) => {
                match &outcome {
                    Outcome::Sent(_) => outbox::record_outcome(dir, config, Ok(())),
                    Outcome::Queued(_) => outbox::enqueue(dir, n),
                    Outcome::Refused(e) => outbox::record_outcome(dir, config, Err(e)),
                    Outcome::Held(_) => {}
                }
                return outcome;
            }
        };
    }
}
