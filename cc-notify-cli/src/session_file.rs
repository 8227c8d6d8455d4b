//! What the CLI keeps per session: the engine's state plus the delivery plan of the pending
//! push, in one file under one lock, so the hook and the deliverer never disagree.

use cc_notify_core::state::{ProcessRef, SessionState};
use cc_notify_core::{Activity, Notification};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The per-session file.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionFile {
    /// The turn engine's state.
    pub state: SessionState,
    /// How the pending push is to be delivered; `None` when nothing is pending.
    pub plan: Option<Plan>,
    /// The session ended while a push was pending: the deliverer may finish it, then removes
    /// the file.
    pub ended: bool,
    /// Progress pushes waiting to be sent, oldest first.
    pub progress_queue: Vec<Notification>,
    /// The process sending `progress_queue`, while one runs.
    pub progress_sender: Option<ProcessRef>,
}

/// Everything a deliverer needs for one push.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    /// The push's id (the engine's `Pending::id`).
    pub push_id: u64,
    /// What to send.
    pub notification: Notification,
    /// When the push was scheduled (Unix ms).
    pub scheduled_ms: u64,
    /// How long to wait before sending, in ms.
    pub delay_ms: u64,
    /// Whether the user's terminal is watched for typing.
    pub presence_checked: bool,
    /// The user's terminal, when one was found.
    pub tty: Option<PathBuf>,
    /// The terminal's activity when the push was scheduled.
    pub baseline: Option<Activity>,
}
