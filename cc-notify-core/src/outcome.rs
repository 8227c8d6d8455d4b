//! How a finished turn went: done or errored, in one function, [`classify`].
//!
//! A turn errored when it ended on an API error or when its last tool call failed (the agent
//! stopped right after a failure). Tool failures the agent recovered from keep the turn done,
//! but the push says how many there were.

use crate::notification::Kind;

/// What is known about how a turn ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnSignals {
    /// The turn ended on an API error, in words (e.g. "rate limited", or the error text).
    pub api_error: Option<String>,
    /// How many tool calls of the turn failed.
    pub tool_failures: u32,
    /// The turn's last tool call (round) failed.
    pub last_tool_failed: bool,
}

/// The verdict on a finished turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// [`Kind::Done`] or [`Kind::Error`].
    pub kind: Kind,
    /// How many tool calls failed during the turn.
    pub tool_failures: u32,
    /// Why it is an error, in a few words for the title ("rate limited", "last tool call
    /// failed"); `"done"` for a done turn.
    pub reason: String,
}

impl Outcome {
    /// A sentence about the turn's tool failures, or `None` when there were none:
    /// "2 tool calls failed along the way."
    pub fn failure_note(&self) -> Option<String> {
        match self.tool_failures {
            0 => None,
            1 => Some("1 tool call failed along the way.".to_owned()),
            n => Some(format!("{n} tool calls failed along the way.")),
        }
    }
}

/// Classifies a finished turn: an API error or a failed last tool call make it an error,
/// anything else is done.
///
/// ```
/// use cc_notify_core::outcome::{classify, TurnSignals};
/// use cc_notify_core::Kind;
/// let o = classify(&TurnSignals { api_error: None, tool_failures: 2, last_tool_failed: false });
/// assert_eq!(o.kind, Kind::Done);
/// assert_eq!(o.failure_note().as_deref(), Some("2 tool calls failed along the way."));
/// ```
pub fn classify(signals: &TurnSignals) -> Outcome {
    let (kind, reason) = match (&signals.api_error, signals.last_tool_failed) {
        (Some(what), _) => (Kind::Error, what.clone()),
        (None, true) => (Kind::Error, "last tool call failed".to_owned()),
        (None, false) => (Kind::Done, "done".to_owned()),
    };
    Outcome {
        kind,
        // A failed last call is a failure even when no failure event was counted.
        tool_failures: signals
            .tool_failures
            .max(u32::from(signals.last_tool_failed)),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn signals() -> impl Strategy<Value = TurnSignals> {
        (prop::option::of("[a-z ]{1,20}"), 0u32..50, any::<bool>()).prop_map(
            |(api_error, tool_failures, last_tool_failed)| TurnSignals {
                api_error,
                tool_failures,
                last_tool_failed,
            },
        )
    }

    proptest! {
        #[test]
        fn api_error_means_error(s in signals()) {
            let o = classify(&s);
            if let Some(what) = &s.api_error {
                prop_assert_eq!(o.kind, Kind::Error);
                prop_assert_eq!(&o.reason, what);
            }
        }

        #[test]
        fn failed_last_call_means_error(s in signals()) {
            if s.last_tool_failed {
                prop_assert_eq!(classify(&s).kind, Kind::Error);
            }
        }

        #[test]
        fn neither_means_done(s in signals()) {
            if s.api_error.is_none() && !s.last_tool_failed {
                prop_assert_eq!(classify(&s).kind, Kind::Done);
            }
        }

        #[test]
        fn failures_are_mentioned_iff_there_were_some(s in signals()) {
            let o = classify(&s);
            let failed = s.tool_failures > 0 || s.last_tool_failed;
            let note = o.failure_note();
            prop_assert_eq!(note.is_some(), failed);
            if let Some(note) = note {
                prop_assert!(note.starts_with(&o.tool_failures.to_string()));
                prop_assert!(o.tool_failures >= s.tool_failures);
            }
        }
    }
}
