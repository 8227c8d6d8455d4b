//! What cc-notify decided about a push, as recorded in the decision log.

use serde::{Deserialize, Serialize};

/// One kind of decision. The decision log holds one line per decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DecisionKind {
    /// A push was handed to a delivery process.
    Scheduled,
    /// A push was sent.
    Fired,
    /// A push was dropped because the user was typing.
    SkippedTyping,
    /// A pending push was cancelled (new prompt, answered dialog, session closed by the user).
    Cancelled,
    /// A Done push was dropped: another went out less than `rate_limit` seconds earlier.
    RateLimited,
    /// A push was dropped by a rule: silenced project, headless session, subagent, …
    Suppressed,
    /// Delivery failed (the reason says whether it will be retried).
    Failed,
    /// A failed push was kept for a later retry.
    Queued,
    /// The hook input or a file could not be used; nothing was decided.
    Error,
}

impl DecisionKind {
    /// The snake_case name used in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Scheduled => "scheduled",
            DecisionKind::Fired => "fired",
            DecisionKind::SkippedTyping => "skipped_typing",
            DecisionKind::Cancelled => "cancelled",
            DecisionKind::RateLimited => "rate_limited",
            DecisionKind::Suppressed => "suppressed",
            DecisionKind::Failed => "failed",
            DecisionKind::Queued => "queued",
            DecisionKind::Error => "error",
        }
    }
}
