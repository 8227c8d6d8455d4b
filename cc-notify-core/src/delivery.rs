//! The delivery policy every notifier gets: retries, the outbox, holds after a refusal, and
//! what each outcome is called in the decision log. Pure: the clock comes in as arguments, and
//! the binary stores the [`Outbox`] and the [`FailureMark`] and calls the notifier.
//!
//! One delivery goes, as [`Delivery`] steps it:
//! 1. not at all while the notifier is [held](FailureMark::holds) after a permanent refusal
//!    (a 4xx: until the configuration changes; a used-up quota, 429: until it resets);
//! 2. the [`Outbox`] first, oldest first: a push that failed transiently earlier is sent before
//!    this one, and if that fails again this push joins the outbox (or is held) untried;
//! 3. this push, retried after a transient failure [`retry_after`] (5 s, 10 s, … up to 60 s),
//!    at most `retries` times; a transient failure at the end puts it in the outbox, a
//!    permanent one marks the notifier.
//!
//! The [`Outcome`] of a delivery maps to one logged decision ([`Outcome::decision`]).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::decision::DecisionKind;
use crate::notification::Notification;
use crate::notifier::{Notifier, NotifyError, Receipt};
use crate::text::{format_utc, truncate_chars};

/// The least time between two attempts of the same request (Pushover's API etiquette).
pub const MIN_RETRY_INTERVAL: Duration = Duration::from_secs(5);

/// The longest wait between two attempts, however many retries came before.
pub const MAX_RETRY_INTERVAL: Duration = Duration::from_secs(60);

/// The most pushes the outbox keeps; older ones are dropped beyond it.
pub const OUTBOX_CAP: usize = 100;

/// How long to wait before retry number `retry` (0 for the first) after `err`: 5 s, 10 s,
/// 20 s, … up to [`MAX_RETRY_INTERVAL`]; `None` when `err` must not be retried.
///
/// ```
/// use std::time::Duration;
/// use cc_notify_core::NotifyError;
/// use cc_notify_core::delivery::retry_after;
/// let down = NotifyError::Unavailable("connection refused".into());
/// assert_eq!(retry_after(&down, 2), Some(Duration::from_secs(20)));
/// assert_eq!(retry_after(&NotifyError::Config("bad token".into()), 0), None);
/// ```
pub fn retry_after(err: &NotifyError, retry: u32) -> Option<Duration> {
    err.is_transient().then(|| backoff(retry))
}

/// The wait before try number `attempt` (0 for the first retry): [`MIN_RETRY_INTERVAL`]
/// doubled each time, at most [`MAX_RETRY_INTERVAL`]. A push retried in its delivery and then
/// queued is tried again from the outbox on the same schedule, continuing where its delivery
/// stopped, until it is sent or older than `outbox_max_age`.
///
/// ```
/// use std::time::Duration;
/// use cc_notify_core::delivery::backoff;
/// assert_eq!(backoff(1), Duration::from_secs(10));
/// assert_eq!(backoff(40), Duration::from_secs(60));
/// ```
pub fn backoff(attempt: u32) -> Duration {
    MIN_RETRY_INTERVAL
        .saturating_mul(1u32 << attempt.min(16))
        .min(MAX_RETRY_INTERVAL)
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

/// A notifier that refused permanently, and for which configuration: pushes are held while it
/// [holds](FailureMark::holds).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FailureMark {
    /// When the refusal happened (Unix ms).
    pub since_ms: u64,
    /// What the service said.
    pub reason: String,
    /// The configuration it refused (a hash of the notifier's settings, never the secrets).
    pub fingerprint: u64,
    /// The quota resets then (Unix seconds); `None`: until the configuration changes.
    pub until: Option<u64>,
}

impl FailureMark {
    /// The mark a failed send leaves: one for a permanent failure, none for a transient one.
    pub fn after(err: &NotifyError, fingerprint: u64, now_ms: u64) -> Option<FailureMark> {
        err.is_permanent().then(|| FailureMark {
            since_ms: now_ms,
            reason: err.to_string(),
            fingerprint,
            until: match err {
                NotifyError::QuotaExhausted { until } => *until,
                _ => None,
            },
        })
    }

    /// Pushes are held at `now_ms` for the configuration with `fingerprint`: the refusal was of
    /// this configuration, and its quota (if that was the reason) has not reset yet.
    pub fn holds(&self, fingerprint: u64, now_ms: u64) -> bool {
        self.since_ms > 0
            && self.fingerprint == fingerprint
            && self.until.is_none_or(|t| now_ms / 1000 < t)
    }

    /// How long pushes are held: `until the configuration changes` or `until <UTC time>`.
    pub fn until_text(&self) -> String {
        self.until.map_or_else(
            || "until the configuration changes".to_owned(),
            |t| format!("until {}", format_utc(t.saturating_mul(1000))),
        )
    }
}

/// Pushes that failed transiently, waiting to be sent before any newer one, oldest first.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Outbox {
    /// The waiting pushes, oldest first.
    pub queued: Vec<Queued>,
}

/// One push waiting in the [`Outbox`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    /// When it was queued (Unix ms).
    pub queued_ms: u64,
    /// What to send.
    pub notification: Notification,
}

impl Outbox {
    /// Queues `n` at `now_ms`; returns how many of the oldest pushes were dropped to keep the
    /// outbox within [`OUTBOX_CAP`].
    pub fn enqueue(&mut self, n: &Notification, now_ms: u64) -> usize {
        self.queued.push(Queued {
            queued_ms: now_ms,
            notification: n.clone(),
        });
        let dropped = self.queued.len().saturating_sub(OUTBOX_CAP);
        self.queued.drain(..dropped);
        dropped
    }

    /// Drops the pushes older than `max_age` at `now_ms`; returns how many.
    pub fn expire(&mut self, now_ms: u64, max_age: Duration) -> usize {
        let max_age = u64::try_from(max_age.as_millis()).unwrap_or(u64::MAX);
        let before = self.queued.len();
        self.queued
            .retain(|q| now_ms.saturating_sub(q.queued_ms) <= max_age);
        before - self.queued.len()
    }

    /// The push to send next, if any.
    pub fn head(&self) -> Option<&Queued> {
        self.queued.first()
    }

    /// Settles the head after sending it: gone when sent or refused for good, kept when the
    /// failure is transient (a used-up quota is no verdict on the push either: it waits for the
    /// reset, or its age limit, like any other). Returns the push when it left the outbox.
    pub fn settle_head(&mut self, result: Result<(), &NotifyError>) -> Option<Queued> {
        let leaves = match result {
            Ok(()) => true,
            Err(e) => e.is_permanent() && !matches!(e, NotifyError::QuotaExhausted { .. }),
        };
        (leaves && !self.queued.is_empty()).then(|| self.queued.remove(0))
    }
}

/// How one delivery ended.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// What a delivery carries: a pending push, or a progress message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrying {
    /// A pending push (Done, Error, NeedsInput).
    Push,
    /// A progress message.
    Progress,
}

impl Outcome {
    /// The decision to log for this outcome of sending `n` via the notifier called `via`, with
    /// its reason.
    pub fn decision(&self, via: &str, n: &Notification, what: Carrying) -> (DecisionKind, String) {
        match (what, self) {
            (Carrying::Push, Outcome::Sent(receipt)) => {
                let mut detail = format!("sent via {via}: “{}” — {}", n.title, preview(&n.body));
                if let Some(id) = &receipt.request_id {
                    detail.push_str(&format!(" (request {id})"));
                }
                (DecisionKind::Fired, detail)
            }
            (Carrying::Progress, Outcome::Sent(_)) => (
                DecisionKind::Fired,
                format!("progress sent via {via}: {}", preview(&n.body)),
            ),
            (Carrying::Push, Outcome::Held(mark)) => (
                DecisionKind::Suppressed,
                format!(
                    "not sent: {via} refused earlier ({}); fix the configuration, then run `cc-notify doctor`",
                    mark.reason
                ),
            ),
            (Carrying::Progress, Outcome::Held(mark)) => (
                DecisionKind::Suppressed,
                format!("progress not sent: {via} refused earlier ({})", mark.reason),
            ),
            (Carrying::Push, Outcome::Queued(e)) => (
                DecisionKind::Queued,
                format!("temporary failure via {via}, kept for the next delivery: {e}"),
            ),
            (Carrying::Progress, Outcome::Queued(e)) => (
                DecisionKind::Queued,
                format!("progress push kept for a retry: {e}"),
            ),
            (Carrying::Push, Outcome::Refused(e @ NotifyError::QuotaExhausted { .. })) => (
                DecisionKind::Failed,
                format!("{via} refused: {e}; pushes are held until then"),
            ),
            (Carrying::Push, Outcome::Refused(e)) => (
                DecisionKind::Failed,
                format!(
                    "permanent failure via {via}, no more pushes until the configuration changes: {e}"
                ),
            ),
            (Carrying::Progress, Outcome::Refused(e)) => (
                DecisionKind::Failed,
                format!("progress push refused via {via}: {e}"),
            ),
        }
    }
}

/// The first 120 characters of a body, on one line.
fn preview(body: &str) -> String {
    truncate_chars(body, 120).replace('\n', " ")
}

/// One delivery as a timeline, shaped like [`Watch`](crate::presence::Watch): the caller does
/// what each [`DeliveryStep`] says — send the outbox's head, send the push, wait — and reports
/// the result to [`Delivery::after`].
#[derive(Debug, Clone)]
pub struct Delivery {
    retries: u32,
    retry: u32,
    phase: Phase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Outbox,
    Push,
}

/// What to do next in a [`Delivery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryStep {
    /// Send the outbox's head, then report with [`Delivery::after`] (and
    /// [`Outbox::settle_head`]).
    SendQueued,
    /// Send the push, then report with [`Delivery::after`].
    Send,
    /// Wait until then, then [`Send`](DeliveryStep::Send).
    RetryAt {
        /// When (Unix ms).
        at_ms: u64,
    },
    /// Put the push into the outbox: the queued pushes still fail, and it must not overtake
    /// them. The delivery ended [`Outcome::Queued`].
    Enqueue(NotifyError),
    /// Check the failure mark again: an older push was just refused and marked the notifier.
    /// Hold the push if the mark holds, else [`Send`](DeliveryStep::Send) it.
    Recheck,
    /// Done; an [`Outcome::Refused`] also marks the notifier ([`FailureMark::after`]), an
    /// [`Outcome::Queued`] queues the push.
    Finish(Outcome),
}

impl Delivery {
    /// A delivery that retries a transient failure of the push up to `retries` times. `held`:
    /// the failure mark that holds at the start, if any; `queued`: the outbox is not empty.
    pub fn start(retries: u32, held: Option<FailureMark>, queued: bool) -> (Self, DeliveryStep) {
        let delivery = Delivery {
            retries,
            retry: 0,
            phase: if queued { Phase::Outbox } else { Phase::Push },
        };
        let step = match (held, queued) {
            (Some(mark), _) => DeliveryStep::Finish(Outcome::Held(mark)),
            (None, true) => DeliveryStep::SendQueued,
            (None, false) => DeliveryStep::Send,
        };
        (delivery, step)
    }

    /// The outbox turned out to hold nothing more to send: go on with the push.
    pub fn outbox_empty(&mut self) -> DeliveryStep {
        self.phase = Phase::Push;
        DeliveryStep::Send
    }

    /// The next step after a send (of the outbox's head or of the push) ended with `result` at
    /// `now_ms`; `more_queued`: the outbox still holds pushes.
    pub fn after(
        &mut self,
        result: Result<Receipt, NotifyError>,
        now_ms: u64,
        more_queued: bool,
    ) -> DeliveryStep {
        match (self.phase, result) {
            (Phase::Outbox, Ok(_)) if more_queued => DeliveryStep::SendQueued,
            (Phase::Outbox, Ok(_)) => {
                self.phase = Phase::Push;
                DeliveryStep::Send
            }
            (Phase::Outbox, Err(e)) if e.is_transient() => DeliveryStep::Enqueue(e),
            (Phase::Outbox, Err(_)) => {
                self.phase = Phase::Push;
                DeliveryStep::Recheck
            }
            (Phase::Push, Ok(receipt)) => DeliveryStep::Finish(Outcome::Sent(receipt)),
            (Phase::Push, Err(e)) => {
                let wait = (self.retry < self.retries)
                    .then(|| retry_after(&e, self.retry))
                    .flatten();
                match wait {
                    Some(wait) => {
                        self.retry += 1;
                        let wait = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                        DeliveryStep::RetryAt {
                            at_ms: now_ms.saturating_add(wait),
                        }
                    }
                    None if e.is_transient() => DeliveryStep::Finish(Outcome::Queued(e)),
                    None => DeliveryStep::Finish(Outcome::Refused(e)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::Kind;

    fn down() -> NotifyError {
        NotifyError::Unavailable("HTTP 503".into())
    }

    fn refused() -> NotifyError {
        NotifyError::Config("invalid token".into())
    }

    fn quota() -> NotifyError {
        NotifyError::QuotaExhausted {
            until: Some(2_000_000),
        }
    }

    #[test]
    fn a_held_notifier_is_not_tried() {
        let mark = FailureMark::after(&refused(), 7, 1_000).expect("a 4xx marks");
        assert!(mark.holds(7, 2_000));
        assert!(!mark.holds(8, 2_000), "the configuration changed");
        let (_, step) = Delivery::start(3, Some(mark.clone()), true);
        assert_eq!(step, DeliveryStep::Finish(Outcome::Held(mark)));
        assert_eq!(FailureMark::after(&down(), 7, 1_000), None);
    }

    #[test]
    fn a_quota_mark_holds_until_the_reset() {
        let mark = FailureMark::after(&quota(), 7, 1_000).expect("a 429 marks");
        assert!(mark.holds(7, 1_999_999_000));
        assert!(!mark.holds(7, 2_000_000_000));
        assert!(mark.until_text().starts_with("until 1970-01-24 "));
        assert_eq!(
            FailureMark::after(&refused(), 7, 1).map(|m| m.until_text()),
            Some("until the configuration changes".into())
        );
    }

    #[test]
    fn the_outbox_goes_first_and_a_failure_there_queues_the_push_untried() {
        let (mut d, step) = Delivery::start(2, None, true);
        assert_eq!(step, DeliveryStep::SendQueued);
        assert_eq!(
            d.after(Ok(Receipt::default()), 0, true),
            DeliveryStep::SendQueued
        );
        assert_eq!(d.after(Err(down()), 0, true), DeliveryStep::Enqueue(down()));
        let (mut d, _) = Delivery::start(2, None, true);
        assert_eq!(d.after(Err(refused()), 0, false), DeliveryStep::Recheck);
        let (mut d, _) = Delivery::start(2, None, true);
        assert_eq!(
            d.after(Ok(Receipt::default()), 0, false),
            DeliveryStep::Send
        );
    }

    #[test]
    fn transient_failures_are_retried_5_s_then_10_s_apart_then_queued() {
        let (mut d, step) = Delivery::start(2, None, false);
        assert_eq!(step, DeliveryStep::Send);
        assert_eq!(
            d.after(Err(down()), 1_000, false),
            DeliveryStep::RetryAt { at_ms: 6_000 }
        );
        assert_eq!(
            d.after(Err(down()), 6_000, false),
            DeliveryStep::RetryAt { at_ms: 16_000 }
        );
        assert_eq!(
            d.after(Err(down()), 16_000, false),
            DeliveryStep::Finish(Outcome::Queued(down()))
        );
        let (mut d, _) = Delivery::start(2, None, false);
        assert_eq!(
            d.after(Err(refused()), 0, false),
            DeliveryStep::Finish(Outcome::Refused(refused())),
            "a permanent failure is never retried"
        );
    }

    #[test]
    fn retry_waits_double_up_to_a_cap() {
        let waits: Vec<u64> = (0..8)
            .map(|r| retry_after(&down(), r).expect("transient").as_secs())
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 60, 60, 60, 60]);
    }

    #[test]
    fn the_outbox_is_capped_expires_and_keeps_what_may_still_go() {
        let n = Notification::new(Kind::Done, "t", "b");
        let mut o = Outbox::default();
        for i in 0..OUTBOX_CAP as u64 {
            assert_eq!(o.enqueue(&n, i), 0);
        }
        assert_eq!(o.enqueue(&n, 1_000), 1, "the oldest goes");
        assert_eq!(o.head().map(|q| q.queued_ms), Some(1));
        assert_eq!(o.expire(1_050, Duration::from_millis(1_000)), 49);
        assert_eq!(o.head().map(|q| q.queued_ms), Some(50));
        assert_eq!(o.settle_head(Err(&down())), None);
        assert_eq!(
            o.settle_head(Err(&quota())),
            None,
            "a quota waits for the reset"
        );
        assert!(o.settle_head(Err(&refused())).is_some());
        assert!(o.settle_head(Ok(())).is_some());
    }

    #[test]
    fn each_outcome_is_logged_as_one_decision() {
        let n = Notification::new(Kind::Done, "proj — done", "All\ngood");
        let sent = Outcome::Sent(Receipt {
            request_id: Some("r1".into()),
            ..Receipt::default()
        });
        assert_eq!(
            sent.decision("pushover", &n, Carrying::Push),
            (
                DecisionKind::Fired,
                "sent via pushover: “proj — done” — All good (request r1)".into()
            )
        );
        assert_eq!(
            sent.decision("pushover", &n, Carrying::Progress).0,
            DecisionKind::Fired
        );
        let held = Outcome::Held(FailureMark::default());
        assert_eq!(
            held.decision("x", &n, Carrying::Push).0,
            DecisionKind::Suppressed
        );
        assert_eq!(
            Outcome::Queued(down()).decision("x", &n, Carrying::Push).0,
            DecisionKind::Queued
        );
        let (kind, reason) = Outcome::Refused(quota()).decision("x", &n, Carrying::Push);
        assert_eq!(kind, DecisionKind::Failed);
        assert!(reason.ends_with("pushes are held until then"), "{reason}");
    }
}
