//! What survives a failed delivery: the outbox of pushes that failed transiently (sent again,
//! oldest first, by later delivery processes) and the notifier's failure mark after a
//! permanent refusal (so later pushes don't hammer an API that said no until the
//! configuration changes or the quota resets).
//!
//! Both live in the state directory as lock-protected files, named with a leading `_` so
//! they are never mistaken for sessions.

use std::hash::{Hash, Hasher};

use cc_notify_core::decision_log::LogRecord;
use cc_notify_core::store::StateDir;
use cc_notify_core::{DecisionKind, Notification, NotifyError};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::runtime::{self, now_ms};

/// The outbox's name in the state directory.
const OUTBOX: &str = "_outbox";
/// The failure mark's name in the state directory.
const HEALTH: &str = "_notifier";
/// The most pushes the outbox keeps; older ones are dropped (and logged) beyond it.
const OUTBOX_CAP: usize = 100;

/// Pushes waiting for a retry.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Outbox {
    queued: Vec<Queued>,
}

/// One push waiting for a retry.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Queued {
    queued_ms: u64,
    notification: Notification,
}

/// A notifier that refused permanently, and for which configuration.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct FailureMark {
    /// When the refusal happened (Unix ms).
    pub since_ms: u64,
    /// What the service said.
    pub reason: String,
    /// The configuration it refused (a hash of the Pushover settings, never the secrets).
    pub fingerprint: u64,
    /// The quota resets then (Unix seconds); `None`: until the configuration changes.
    pub until: Option<u64>,
}

impl FailureMark {
    /// How long pushes are held: `until the configuration changes` or `until <UTC time>`.
    pub fn until_text(&self) -> String {
        self.until.map_or_else(
            || "until the configuration changes".to_owned(),
            |t| {
                format!(
                    "until {}",
                    crate::report::format_utc(t.saturating_mul(1000))
                )
            },
        )
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

/// The failure mark, if one applies to the current configuration right now.
pub fn active_failure(dir: &StateDir, config: &Config) -> Option<FailureMark> {
    let guard = dir.lock(HEALTH).ok()?;
    let mark: FailureMark = guard.load().ok()?;
    let now_s = now_ms() / 1000;
    let applies = mark.since_ms > 0
        && mark.fingerprint == fingerprint(config)
        && mark.until.is_none_or(|t| now_s < t);
    applies.then_some(mark)
}

/// Records the outcome of a send: a permanent failure marks the notifier as failing; a
/// success clears any mark.
pub fn record_outcome(dir: &StateDir, config: &Config, result: Result<(), &NotifyError>) {
    let Ok(guard) = dir.lock(HEALTH) else { return };
    let saved = match result {
        Ok(()) => guard.remove(),
        Err(e) if e.is_permanent() => guard.save(&FailureMark {
            since_ms: now_ms(),
            reason: e.to_string(),
            fingerprint: fingerprint(config),
            until: match e {
                NotifyError::QuotaExhausted { until } => *until,
                _ => None,
            },
        }),
        Err(_) => return,
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
pub fn enqueue(dir: &StateDir, notification: &Notification) {
    let Ok(guard) = dir.lock(OUTBOX) else { return };
    let mut outbox: Outbox = guard.load().unwrap_or_default();
    outbox.queued.push(Queued {
        queued_ms: now_ms(),
        notification: notification.clone(),
    });
    if outbox.queued.len() > OUTBOX_CAP {
        let dropped = outbox.queued.len() - OUTBOX_CAP;
        outbox.queued.drain(..dropped);
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

/// Sends what the outbox holds, oldest first, through `send`; drops (and logs) pushes older
/// than the configured age; stops at the first failure, keeping the rest (a refused push is
/// dropped), and returns that failure: a newer push must not overtake the queued ones. The
/// outbox stays locked meanwhile, so two delivery processes never send the same queued push.
pub fn flush(
    dir: &StateDir,
    config: &Config,
    send: &mut dyn FnMut(&Notification) -> Result<(), NotifyError>,
) -> Result<(), NotifyError> {
    let Ok(guard) = dir.lock(OUTBOX) else {
        return Ok(());
    };
    let Ok(mut outbox) = guard.load::<Outbox>() else {
        return Ok(());
    };
    if outbox.queued.is_empty() {
        return Ok(());
    }
    let max_age = u64::try_from(config.delivery.outbox_max_age.as_millis()).unwrap_or(u64::MAX);
    let now = now_ms();
    let before = outbox.queued.len();
    outbox
        .queued
        .retain(|q| now.saturating_sub(q.queued_ms) <= max_age);
    let expired = before - outbox.queued.len();
    if expired > 0 {
        log(
            dir,
            DecisionKind::Failed,
            format!(
                "dropped {expired} queued push(es) older than {} s",
                max_age / 1000
            ),
        );
    }
    let mut result = Ok(());
    while let Some(q) = outbox.queued.first() {
        let kind = q.notification.kind;
        match send(&q.notification) {
            Ok(()) => {
                let mut rec = LogRecord::new(
                    now_ms(),
                    DecisionKind::Fired,
                    format!("queued push sent: {}", q.notification.title),
                );
                rec.kind = Some(kind);
                rec.session = q.notification.session_id.clone();
                runtime::log(dir, rec);
                outbox.queued.remove(0);
            }
            Err(e) => {
                // A used-up quota is no verdict on the push: it waits for the reset (or its
                // age limit) like any other.
                let quota = matches!(e, NotifyError::QuotaExhausted { .. });
                if e.is_permanent() && !quota {
                    let mut rec = LogRecord::new(
                        now_ms(),
                        DecisionKind::Failed,
                        format!("queued push refused, dropped: {e}"),
                    );
                    rec.kind = Some(kind);
                    runtime::log(dir, rec);
                    outbox.queued.remove(0);
                }
                result = Err(e);
                break;
            }
        }
    }
    if let Err(e) = guard.save(&outbox) {
        log(
            dir,
            DecisionKind::Error,
            format!("cannot update the outbox: {e}"),
        );
    }
    result
}

/// How many pushes wait in the outbox (for `status` and `doctor`).
pub fn queued(dir: &StateDir) -> usize {
    dir.lock(OUTBOX)
        .ok()
        .and_then(|g| g.load::<Outbox>().ok())
        .map_or(0, |o| o.queued.len())
}
