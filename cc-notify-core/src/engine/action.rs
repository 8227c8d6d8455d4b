//! What a step asks the binary to do: [`Action`]s, in order.

use crate::decision::DecisionKind;
use crate::notification::{Kind, Notification};
use crate::state::{Pending, ProcessRef};

/// One thing for the binary to do, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
// A step gives a handful of actions, consumed at once: boxing the push would only add an
// allocation to every scheduling hook run.
#[allow(clippy::large_enum_variant)]
pub enum Action {
    /// Spawn a deliverer for this push, the session's new pending push as the step recorded
    /// it: find the terminal to watch when it is [`presence_checked`](Pending::presence_checked)
    /// ([`attach_terminal`](super::attach_terminal)), then [`attach_deliverer`](super::attach_deliverer).
    /// A headless session's push is never presence-checked: it has no terminal to watch (and
    /// must not pick up whatever terminal an ancestor process happens to have).
    Schedule(Pending),
    /// Stop the deliverer of a pending push (the binary verifies the process first).
    Cancel {
        /// The push to cancel.
        push_id: u64,
        /// Its deliverer, if one was attached.
        deliverer: Option<ProcessRef>,
        /// Why, for the decision log.
        reason: String,
    },
    /// Send these progress pushes now, in order: no delay, no presence check, and the pending
    /// push (if any) stays as it is. Hand them to a detached deliverer, like any push.
    SendNow(Vec<Notification>),
    /// Log a decision that needs no other action.
    Record {
        /// What was decided.
        decision: DecisionKind,
        /// The push kind it concerns, if any.
        kind: Option<Kind>,
        /// Why, for the decision log.
        reason: String,
    },
}
