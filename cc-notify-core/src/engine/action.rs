//! What a step asks the binary to do: [`Action`]s, in order.

use std::time::Duration;

use crate::decision::DecisionKind;
use crate::notification::{Kind, Notification};
use crate::state::ProcessRef;

/// One thing for the binary to do, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Spawn a deliverer for this push, then [`attach_deliverer`](super::attach_deliverer) it.
    Schedule(PushPlan),
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
    /// Delete the session's state, after carrying out the other actions.
    Forget,
}

/// A push to deliver after a delay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushPlan {
    /// The push's id (also stored in [`SessionState::pending`](crate::state::SessionState::pending)).
    pub id: u64,
    /// What to send.
    pub notification: Notification,
    /// How long to wait before sending.
    pub delay: Duration,
    /// Drop the push if the user turns out to be at the terminal when it is due.
    pub presence_checked: bool,
}
