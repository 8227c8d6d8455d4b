//! The backends the configuration names, built as notifiers; the fan-out of one push to every
//! backend routing gives its kind; and delivery with retries, each (push, backend) pair on its
//! own.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use cc_notify_backends::{Command, Desktop, Ntfy, Telegram, Webhook};
use cc_notify_core::delivery::{Carrying, Delivery, DeliveryStep, Outcome};
use cc_notify_core::routing::{self, Routing};
use cc_notify_core::store::StateDir;
use cc_notify_core::{DecisionKind, Kind, Notification, Notifier, NotifyError, Receipt};
use cc_notify_pushover::Pushover;

use crate::config::Config;
use crate::desktop_ids;
use crate::local::LocalNotifier;
use crate::outbox::{self, Slot};
use crate::runtime::{env_var, now_ms};

/// A notifier that may be used from the fan-out's threads.
pub type Boxed = Box<dyn Notifier + Send + Sync>;

/// One backend, ready to send: its name, its notifier and where its failures are kept.
pub struct Backend {
    /// The name routing and the log use (`pushover`, `ntfy`, …).
    pub name: &'static str,
    /// The sender; a configuration that is set but unusable fails every send, saying why.
    pub notifier: Boxed,
    /// Its outbox and failure mark.
    pub slot: Slot,
}

/// The Pushover client, when the configuration holds any of its keys (`setup` validates them
/// with it); `None` when neither the token nor the user key is set.
pub fn pushover(config: &Config) -> Option<Result<Pushover, NotifyError>> {
    let cfg = &config.pushover;
    if cfg.token.is_empty() && cfg.user.is_empty() {
        return None;
    }
    Some(Pushover::new(cfg.clone()).map_err(|e| NotifyError::Config(e.to_string())))
}

/// Builds backend `name` from the configuration (whether or not it is configured: a missing
/// key then fails every send, saying which). `dir`: where the desktop backend keeps each
/// session's notification id so the next push replaces it; `None` outside the deliverer.
pub fn build(config: &Config, name: &'static str, dir: Option<&StateDir>) -> Backend {
    let built: Result<Boxed, NotifyError> = match name {
        "pushover" => Pushover::new(config.pushover.clone())
            .map(|p| Box::new(p) as Boxed)
            .map_err(|e| NotifyError::Config(e.to_string())),
        "ntfy" => Ntfy::from_config(&config.ntfy)
            .map(|b| Box::new(b) as Boxed)
            .map_err(NotifyError::from),
        "telegram" => Telegram::from_config(&config.telegram)
            .map(|b| Box::new(b) as Boxed)
            .map_err(NotifyError::from),
        "webhook" => Webhook::from_config(&config.webhook)
            .map(|b| Box::new(b) as Boxed)
            .map_err(NotifyError::from),
        "command" => Command::from_config(&config.command)
            .map(|b| Box::new(b) as Boxed)
            .map_err(NotifyError::from),
        "desktop" => {
            let bus = env_var("DBUS_SESSION_BUS_ADDRESS");
            Desktop::from_config(&config.desktop, bus.as_deref())
                .map(|desktop| match dir {
                    Some(dir) => Box::new(SessionDesktop {
                        desktop,
                        dir: dir.clone(),
                    }) as Boxed,
                    None => Box::new(desktop) as Boxed,
                })
                .map_err(NotifyError::from)
        }
        other => Err(NotifyError::Config(format!("unknown backend {other:?}"))),
    };
    Backend {
        name,
        notifier: built.unwrap_or_else(|e| Box::new(Broken(name, e))),
        slot: Slot::new(name, fingerprint(config, name)),
    }
}

/// The configured backends, or — when none is — the local notifier (a desktop notification
/// through `notify-send` where there is one, else the log), as before backends existed.
pub fn configured(config: &Config, dir: Option<&StateDir>) -> Vec<Backend> {
    let names = config.backends();
    if names.is_empty() {
        return vec![local(config)];
    }
    names.into_iter().map(|n| build(config, n, dir)).collect()
}

/// The local fallback; it shares Pushover's outbox and failure mark, as it always did.
fn local(config: &Config) -> Backend {
    let notifier = LocalNotifier::detect();
    let name = if notifier.has_desktop() {
        "desktop"
    } else {
        "log"
    };
    Backend {
        name,
        notifier: Box::new(notifier),
        slot: Slot::legacy(name, outbox::fingerprint(config)),
    }
}

/// Where the configured backends (or the local fallback) keep their outboxes and failure
/// marks, for `status` and `doctor`.
pub fn slots(config: &Config) -> Vec<Slot> {
    let names = config.backends();
    if names.is_empty() {
        return vec![local(config).slot];
    }
    names
        .into_iter()
        .map(|n| Slot::new(n, fingerprint(config, n)))
        .collect()
}

/// The routing of the configuration; a table the loader would refuse routes every kind to
/// every configured backend (the loader refuses it loudly, so this is only a fallback).
pub fn routing(config: &Config) -> Routing {
    config
        .routing()
        .unwrap_or_else(|_| Routing::everything_to(&config.backends()))
}

/// The backends a push of `kind` goes to, in routing order.
pub fn routed(config: &Config, kind: Kind, dir: Option<&StateDir>) -> Vec<Backend> {
    if config.backends().is_empty() {
        return vec![local(config)];
    }
    let routing = routing(config);
    routing
        .backends(kind)
        .iter()
        .filter_map(|n| crate::config::BACKENDS.iter().find(|b| *b == n))
        .map(|n| build(config, n, dir))
        .collect()
}

/// A hash of the settings that decide whether backend `name` accepts a request: its failure
/// mark holds until they change. Reveals nothing about them.
pub fn fingerprint(config: &Config, name: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match name {
        "ntfy" => {
            let c = &config.ntfy;
            (&c.url, &c.topic, c.token.expose()).hash(&mut h);
        }
        "telegram" => {
            let c = &config.telegram;
            (c.bot_token.expose(), &c.chat_id, &c.api_url).hash(&mut h);
        }
        "webhook" => {
            let c = &config.webhook;
            (c.url.expose(), format!("{:?}", c.format)).hash(&mut h);
        }
        "command" => config.command.argv.hash(&mut h),
        "desktop" => config.desktop.enabled.hash(&mut h),
        _ => return outbox::fingerprint(config),
    }
    h.finish()
}

/// A notifier whose configuration is unusable: every send fails permanently, saying why.
struct Broken(&'static str, NotifyError);

impl Notifier for Broken {
    fn send(&self, _: &Notification) -> Result<Receipt, NotifyError> {
        Err(self.1.clone())
    }
    fn name(&self) -> &str {
        self.0
    }
}

/// The desktop backend in the deliverer: each process is short-lived, so the daemon's id of a
/// session's last notification is kept in the state directory, and the next push of that
/// session replaces it instead of stacking.
struct SessionDesktop {
    desktop: Desktop,
    dir: StateDir,
}

impl Notifier for SessionDesktop {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        let session = n.session_id.as_deref();
        let previous = session.map_or(0, |s| desktop_ids::get(&self.dir, s));
        let id = self.desktop.send_replacing(n, previous)?;
        if let Some(s) = session {
            desktop_ids::set(&self.dir, s, id);
        }
        Ok(Receipt {
            request_id: Some(id.to_string()),
            ..Receipt::default()
        })
    }
    fn name(&self) -> &str {
        "desktop"
    }
}

/// Sends `n` to every backend routing gives its kind, each (push, backend) pair through
/// [`deliver`] on its own thread, so one backend failing, retrying or hanging never delays
/// another. Each outcome is logged (naming the backend) through `log` as soon as it is known.
/// Returns whether any backend delivered.
pub fn deliver_all(
    dir: &StateDir,
    config: &Config,
    n: &Notification,
    what: Carrying,
    log: &(dyn Fn(DecisionKind, String) + Sync),
) -> bool {
    let backends = routed(config, n.kind, Some(dir));
    if backends.is_empty() {
        log(
            DecisionKind::Suppressed,
            format!(
                "not sent: [routing] {} names no backend",
                routing::key(n.kind)
            ),
        );
        return false;
    }
    std::thread::scope(|scope| {
        let sends: Vec<_> = backends
            .iter()
            .map(|b| {
                scope.spawn(move || {
                    let outcome = deliver(dir, config, b, n);
                    let sent = matches!(outcome, Outcome::Sent(_));
                    let (decision, reason) = outcome.decision(b.name, n, what);
                    log(decision, reason);
                    sent
                })
            })
            .collect();
        sends
            .into_iter()
            .map(|s| s.join().unwrap_or(false))
            .collect::<Vec<bool>>()
            .contains(&true)
    })
}

/// Delivers one push to one backend the polite way, as core's [`Delivery`] timeline says (see
/// [`cc_notify_core::delivery`]): not at all while the backend is marked failing; its outbox
/// first, oldest first (if that fails, this push joins the outbox or is held, untried); then
/// this push with retries; a transient failure goes to the outbox, a permanent one marks the
/// backend. Every backend has its own outbox and mark.
pub fn deliver(dir: &StateDir, config: &Config, backend: &Backend, n: &Notification) -> Outcome {
    let (notifier, slot) = (&backend.notifier, &backend.slot);
    let held = outbox::active_failure(dir, slot);
    let mut flush = held
        .is_none()
        .then(|| outbox::Flush::open(dir, config, slot))
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
                outbox::record_outcome(dir, slot, sent);
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
                outbox::enqueue(dir, slot, n);
                return Outcome::Queued(e);
            }
            DeliveryStep::Recheck => match outbox::active_failure(dir, slot) {
                // An older push was just refused, marking the backend: hold this one too.
                Some(mark) => return Outcome::Held(mark),
                None => DeliveryStep::Send,
            },
            DeliveryStep::Finish(outcome) => {
                match &outcome {
                    Outcome::Sent(_) => outbox::record_outcome(dir, slot, Ok(())),
                    Outcome::Queued(_) => outbox::enqueue(dir, slot, n),
                    Outcome::Refused(e) => outbox::record_outcome(dir, slot, Err(e)),
                    Outcome::Held(_) => {}
                }
                return outcome;
            }
        };
    }
}
