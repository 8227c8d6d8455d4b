//! Test support (feature `test-support`): [`RecordingNotifier`], a [`Notifier`] that records
//! instead of sending, and the conformance suite [`run_conformance`] every notifier can run.
//!
//! ```
//! use cc_notify_core::testing::RecordingNotifier;
//! use cc_notify_core::{Kind, Notification, Notifier, NotifyError};
//!
//! let ok = RecordingNotifier::new();
//! ok.send(&Notification::new(Kind::Done, "proj: done", "ok")).unwrap();
//! assert_eq!(ok.sent()[0].title, "proj: done");
//!
//! let down = RecordingNotifier::failing(NotifyError::Unavailable("HTTP 503".into()));
//! assert!(down.send(&Notification::new(Kind::Done, "t", "b")).unwrap_err().is_transient());
//! assert_eq!(down.attempts(), 1);
//! ```

use std::sync::Mutex;

use crate::notification::{Kind, Notification};
use crate::notifier::{Notifier, NotifyError, Receipt};
use crate::text::ELLIPSIS;

/// A [`Notifier`] that records what it is asked to send, and succeeds or fails as built.
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    sent: Mutex<Vec<Notification>>,
    attempts: Mutex<usize>,
    fail_with: Option<NotifyError>,
}

impl RecordingNotifier {
    /// A notifier that accepts and records every notification.
    pub fn new() -> Self {
        Self::default()
    }

    /// A notifier that fails every send with `err` (and records nothing as sent).
    pub fn failing(err: NotifyError) -> Self {
        RecordingNotifier {
            fail_with: Some(err),
            ..Self::default()
        }
    }

    /// The notifications delivered so far, in order.
    pub fn sent(&self) -> Vec<Notification> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How many times `send` was called, successful or not.
    pub fn attempts(&self) -> usize {
        *self.attempts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Notifier for RecordingNotifier {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        *self.attempts.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        if let Some(err) = &self.fail_with {
            return Err(err.clone());
        }
        self.sent
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(n.clone());
        Ok(Receipt::default())
    }

    fn name(&self) -> &str {
        "recording"
    }
}

/// How the backend behind a notifier under test behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The backend accepts every valid request.
    Accept,
    /// The backend refuses every request for good (e.g. HTTP 400, bad key).
    RejectPermanent,
    /// The backend fails temporarily (e.g. HTTP 503, connection refused).
    Unavailable,
    /// The backend accepts the connection and never answers.
    Hang,
}

/// What the backend received for one delivered notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The title as the backend received it (possibly cut to its limit).
    pub title: String,
    /// The body as the backend received it (possibly cut, or a default for an empty body).
    pub body: String,
}

/// Connects [`run_conformance`] to one notifier implementation and its (fake) backend.
pub trait ConformanceHarness {
    /// A notifier whose backend behaves as `mode`. For [`Mode::Hang`] the notifier should be
    /// configured with a short timeout: the suite waits for it.
    fn notifier(&mut self, mode: Mode) -> Box<dyn Notifier>;

    /// Everything the backend has accepted so far, across all notifiers made, in order.
    fn delivered(&self) -> Vec<Delivered>;
}

/// The behaviour every [`Notifier`] must have. Panics (like `assert!`) on the first violation.
///
/// Checks that each [`Kind`] is delivered with its title and body; that long multi-byte titles
/// and bodies and an empty body are accepted (respecting backend limits is the notifier's job,
/// and what arrives is a prefix of what was sent); that permanent refusals are
/// [`NotifyError::is_permanent`], temporary failures [`NotifyError::is_transient`], and a
/// hanging backend yields a timeout error instead of blocking.
pub fn run_conformance(h: &mut dyn ConformanceHarness) {
    let accept = h.notifier(Mode::Accept);
    assert!(!accept.name().is_empty(), "a notifier has a name");
    for kind in Kind::ALL {
        let n = Notification::new(
            kind,
            format!("conformance: {}", kind.as_str()),
            format!("body of {} ✓", kind.as_str()),
        );
        if let Err(e) = accept.send(&n) {
            panic!("{kind:?} was not delivered: {e}");
        }
        let last = h.delivered().pop();
        assert_eq!(
            last,
            Some(Delivered {
                title: n.title.clone(),
                body: n.body.clone()
            }),
            "{kind:?}: the backend got the title and body as sent"
        );
    }

    let title = "🦀é".repeat(700);
    let body = "naïve 🦀 ".repeat(2000);
    let long = Notification::new(Kind::Done, title.as_str(), body.as_str());
    if let Err(e) = accept.send(&long) {
        panic!("a long multi-byte notification was refused: {e}");
    }
    let got = h
        .delivered()
        .pop()
        .unwrap_or_else(|| panic!("nothing delivered"));
    assert!(
        is_cut_from(&title, &got.title) && is_cut_from(&body, &got.body),
        "long texts arrive whole or cut to a prefix (ellipsis allowed): {got:?}"
    );

    if let Err(e) = accept.send(&Notification::new(Kind::NeedsInput, "empty body", "")) {
        panic!("a notification with an empty body was refused: {e}");
    }

    let mut expect = |mode: Mode, check: fn(&NotifyError) -> bool, what: &str| {
        let n = Notification::new(Kind::Error, "conformance: failure", "body");
        match h.notifier(mode).send(&n) {
            Ok(r) => panic!("{mode:?}: send succeeded ({r:?}), expected {what}"),
            Err(e) => assert!(check(&e), "{mode:?}: expected {what}, got {e:?}"),
        }
    };
    expect(
        Mode::RejectPermanent,
        NotifyError::is_permanent,
        "a permanent error",
    );
    expect(
        Mode::Unavailable,
        NotifyError::is_transient,
        "a transient error",
    );
    expect(Mode::Hang, NotifyError::is_timeout, "a timeout");
}

/// `got` is `original`, or a prefix of it, optionally followed by an ellipsis.
fn is_cut_from(original: &str, got: &str) -> bool {
    let kept = got.strip_suffix(ELLIPSIS).unwrap_or(got);
    !kept.is_empty() && original.starts_with(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// Runs the suite against [`RecordingNotifier`]s: its own harness.
    #[derive(Default)]
    struct Recording(Vec<Arc<RecordingNotifier>>);

    impl ConformanceHarness for Recording {
        fn notifier(&mut self, mode: Mode) -> Box<dyn Notifier> {
            let n = Arc::new(match mode {
                Mode::Accept => RecordingNotifier::new(),
                Mode::RejectPermanent => RecordingNotifier::failing(NotifyError::Rejected {
                    status: Some(400),
                    message: "invalid".into(),
                }),
                Mode::Unavailable => {
                    RecordingNotifier::failing(NotifyError::Unavailable("HTTP 503".into()))
                }
                Mode::Hang => RecordingNotifier::failing(NotifyError::Timeout("read".into())),
            });
            self.0.push(n.clone());
            Box::new(n)
        }

        fn delivered(&self) -> Vec<Delivered> {
            self.0
                .iter()
                .flat_map(|n| n.sent())
                .map(|n| Delivered {
                    title: n.title,
                    body: n.body,
                })
                .collect()
        }
    }

    #[test]
    fn recording_notifier_passes_the_conformance_suite() {
        run_conformance(&mut Recording::default());
    }

    #[test]
    #[should_panic(expected = "expected a permanent error")]
    fn the_suite_catches_a_misclassified_failure() {
        struct Misclassified(Recording);
        impl ConformanceHarness for Misclassified {
            fn notifier(&mut self, mode: Mode) -> Box<dyn Notifier> {
                let mode = if mode == Mode::RejectPermanent {
                    Mode::Unavailable
                } else {
                    mode
                };
                self.0.notifier(mode)
            }
            fn delivered(&self) -> Vec<Delivered> {
                self.0.delivered()
            }
        }
        run_conformance(&mut Misclassified(Recording::default()));
    }

    #[test]
    fn cut_texts_are_recognised() {
        assert!(is_cut_from("héllo", "héllo"));
        assert!(is_cut_from("héllo", "hé…"));
        assert!(!is_cut_from("héllo", "hx…"));
        assert!(!is_cut_from("héllo", "…"));
    }
}
