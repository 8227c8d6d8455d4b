//! What survives a failed delivery, as files: the outbox of pushes that failed transiently (sent
//! again, oldest first, by later delivery processes) and the notifier's failure mark after a
//! permanent refusal (so later pushes don't hammer an API that said no until the
//! configuration changes or the quota resets). The policy is core's
//! ([`cc_notify_core::delivery`]); this module stores it.
//!
//! Both live in the state directory as lock-protected files, named with a leading `_` so
//! they are never mistaken for sessions.

use std::hash::{Hash, Hasher};
use std::time::Duration;

use cc_notify_core::decision_log::LogRecord;
pub use cc_notify_core::delivery::FailureMark;
use cc_notify_core::delivery::{Outbox, backoff};
use cc_notify_core::store::{SessionGuard, StateDir};
use cc_notify_core::{DecisionKind, Notification, Notifier, NotifyError};

use crate::config::Config;
use crate::runtime::{self, now_ms};

/// Pushover's outbox's name in the state directory (each other backend's adds `-<name>`).
const OUTBOX: &str = "_outbox";
/// Pushover's failure mark's name in the state directory (likewise).
const HEALTH: &str = "_notifier";

/// Where one backend's outbox and failure mark are kept, and the fingerprint of the settings
/// its failure mark is about: each backend's failures are held and retried on their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The backend's name, for log lines.
    pub name: String,
    outbox: String,
    health: String,
    fingerprint: u64,
}

impl Slot {
    /// The slot of `backend`, whose settings hash to `fingerprint`. Pushover (and the local
    /// fallback used when no backend is configured) keep the files they always had.
    pub fn new(backend: &str, fingerprint: u64) -> Slot {
        if backend == "pushover" {
            return Slot::legacy(backend, fingerprint);
        }
        Slot {
            name: backend.to_owned(),
            outbox: format!("{OUTBOX}-{backend}"),
            health: format!("{HEALTH}-{backend}"),
            fingerprint,
        }
    }

    /// The files Pushover and the local fallback (used when no backend is configured) always
    /// had, for `backend`.
    pub fn legacy(backend: &str, fingerprint: u64) -> Slot {
        Slot {
            name: backend.to_owned(),
            outbox: OUTBOX.to_owned(),
            health: HEALTH.to_owned(),
            fingerprint,
        }
    }
}

/// A hash of the settings that decide whether Pushover accepts a request. It changes when the
/// user fixes their token, key, URL or device; it reveals nothing about them.
pub fn fingerprint(config: &Config) -> u64 {
    let p = &config.pushover;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&p.token, &p.user, &p.api_url, &p.device).hash(&mut h);
    h.finish()
}

/// The failure mark of `slot`, if one applies to its current configuration right now.
pub fn active_failure(dir: &StateDir, slot: &Slot) -> Option<FailureMark> {
    let guard = dir.lock(&slot.health).ok()?;
    let mark: FailureMark = guard.load().ok()?;
    mark.holds(slot.fingerprint, now_ms()).then_some(mark)
}

/// Records the outcome of a send: a permanent failure marks the notifier as failing; a
/// success clears any mark.
pub fn record_outcome(dir: &StateDir, slot: &Slot, result: Result<(), &NotifyError>) {
    let Ok(guard) = dir.lock(&slot.health) else {
        return;
    };
    let saved = match result {
        Ok(()) => guard.remove(),
        Err(e) => match FailureMark::after(e, slot.fingerprint, now_ms()) {
            Some(mark) => guard.save(&mark),
            None => return,
        },
    };
    if let Err(e) = saved {
        log(
            dir,
            DecisionKind::Error,
            format!("cannot record the notifier's state: {e}"),
        );
    }
}

fn log(dir: &StateDir, decision: DecisionKind, reason: String) {
    runtime::log(dir, LogRecord::new(now_ms(), decision, reason));
}

/// Keeps a push that failed transiently for a later delivery process.
pub fn enqueue(dir: &StateDir, slot: &Slot, notification: &Notification) {
    let Ok(guard) = dir.lock(&slot.outbox) else {
        return;
    };
    let mut outbox: Outbox = guard.load().unwrap_or_default();
    let dropped = outbox.enqueue(notification, now_ms());
    if dropped > 0 {
        log(
            dir,
            DecisionKind::Failed,
            format!("outbox full: dropped the {dropped} oldest push(es)"),
        );
    }
    if let Err(e) = guard.save(&outbox) {
        log(
            dir,
            DecisionKind::Error,
            format!("cannot keep the push for a retry: {e}"),
        );
    }
}

/// The outbox, locked while a delivery sends what it holds, so two delivery processes never
/// send the same queued push. Saved when dropped.
pub struct Flush<'a> {
    dir: &'a StateDir,
    via: String,
    guard: SessionGuard,
    outbox: Outbox,
}

impl<'a> Flush<'a> {
    /// Opens the outbox for sending, after dropping (and logging) pushes older than the
    /// configured age; `None` when it holds nothing or cannot be read.
    pub fn open(dir: &'a StateDir, config: &Config, slot: &Slot) -> Option<Self> {
        let guard = dir.lock(&slot.outbox).ok()?;
        let mut outbox = guard.load::<Outbox>().ok()?;
        if outbox.queued.is_empty() {
            return None;
        }
        let max_age = config.delivery.outbox_max_age;
        let expired = outbox.expire(now_ms(), max_age);
        if expired > 0 {
            log(
                dir,
                DecisionKind::Failed,
                format!(
                    "dropped {expired} queued push(es) older than {} s",
                    max_age.as_secs()
                ),
            );
        }
        Some(Flush {
            dir,
            via: slot.name.clone(),
            guard,
            outbox,
        })
    }

    /// The push to send next.
    pub fn head(&self) -> Option<&Notification> {
        self.outbox.head().map(|q| &q.notification)
    }

    /// More pushes wait.
    pub fn is_empty(&self) -> bool {
        self.outbox.queued.is_empty()
    }

    /// Settles the head after sending it with `result`, logging when it leaves the outbox.
    pub fn settle(&mut self, result: Result<(), &NotifyError>) {
        let Some(gone) = self.outbox.settle_head(result) else {
            return;
        };
        let n = gone.notification;
        let mut rec = match result {
            Ok(()) => {
                let mut rec = LogRecord::new(
                    now_ms(),
                    DecisionKind::Fired,
                    format!("queued push sent via {}: {}", self.via, n.title),
                );
                rec.session = n.session_id.clone();
                rec
            }
            Err(e) => LogRecord::new(
                now_ms(),
                DecisionKind::Failed,
                format!("queued push refused via {}, dropped: {e}", self.via),
            ),
        };
        rec.kind = Some(n.kind);
        runtime::log(self.dir, rec);
    }
}

impl Drop for Flush<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.guard.save(&self.outbox) {
            log(
                self.dir,
                DecisionKind::Error,
                format!("cannot update the outbox: {e}"),
            );
        }
    }
}

/// The lock held by the one process that retries the outbox on its own schedule.
const RETRIER: &str = "_outbox_retrier";

/// Stays to send the outbox on its own schedule, after this process queued a push: tries it
/// again [`backoff`] apart (continuing after the delivery's own `retries`), oldest first, until
/// it is empty — sent, refused, or older than `outbox_max_age` (so this ends at the latest that
/// long after the newest push was queued). While the notifier is held after a refusal, the
/// outbox only ages. One process does this at a time; any other returns at once. `sleep` is
/// `std::thread::sleep` outside tests.
pub fn keep_retrying(
    dir: &StateDir,
    config: &Config,
    notifier: &dyn Notifier,
    slot: &Slot,
    sleep: &mut dyn FnMut(Duration),
) {
    let Ok(Some(_retrier)) = dir.try_lock(&format!("{RETRIER}-{}", slot.name)) else {
        return;
    };
    let mut attempt = config.delivery.retries.max(1);
    loop {
        sleep(backoff(attempt));
        attempt = attempt.saturating_add(1);
        let Some(mut flush) = Flush::open(dir, config, slot) else {
            return;
        };
        if active_failure(dir, slot).is_some() {
            continue;
        }
        while let Some(head) = flush.head().cloned() {
            let result = notifier.send(&head);
            let sent = result.as_ref().map(drop);
            record_outcome(dir, slot, sent);
            flush.settle(sent);
            if result.is_err() {
                break;
            }
        }
        if flush.is_empty() {
            return;
        }
    }
}

/// How many pushes wait in the outbox (for `status` and `doctor`).
pub fn queued(dir: &StateDir, slot: &Slot) -> usize {
    dir.lock(&slot.outbox)
        .ok()
        .and_then(|g| g.load::<Outbox>().ok())
        .map_or(0, |o| o.queued.len())
}
