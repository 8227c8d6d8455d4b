//! The deliverer's protocol: a deliverer is [attached](attach_deliverer) to the push it was
//! spawned for, asks [`fire_check`] right before sending, and reports back with
//! [`mark_delivered`] or [`mark_dropped`].

use std::path::{Path, PathBuf};

use crate::notification::{Kind, Notification};
use crate::state::{Pending, ProcessRef, SessionState, Terminal};

use super::EngineConfig;
use super::push::rate_limited;

/// A deliverer's verdict right before sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FireVerdict {
    /// Send this notification, then report with [`mark_delivered`] or [`mark_dropped`].
    Fire(Notification),
    /// It is no longer the pending push (a newer prompt or push replaced it).
    Superseded,
    /// A Done push went out less than `rate_limit` ago; the push is dropped.
    RateLimited,
}

/// Records the deliverer process of a scheduled push (ignored if the push is no longer pending).
pub fn attach_deliverer(state: &mut SessionState, push_id: u64, who: ProcessRef) {
    if let Some(p) = state.pending.as_mut().filter(|p| p.id == push_id) {
        p.deliverer = Some(who);
    }
}

/// Records the terminal a scheduled push's deliverer watches (ignored if the push is no longer
/// pending).
pub fn attach_terminal(state: &mut SessionState, push_id: u64, terminal: Option<Terminal>) {
    if let Some(p) = state.pending.as_mut().filter(|p| p.id == push_id) {
        p.terminal = terminal;
    }
}

/// Records where a scheduled push's reply is to be read at send time (ignored if the push is no
/// longer pending).
pub fn attach_reply_file(state: &mut SessionState, push_id: u64, file: Option<PathBuf>) {
    if let Some(p) = state.pending.as_mut().filter(|p| p.id == push_id) {
        p.reply_file = file;
    }
}

/// Where pending push `push_id`'s reply is to be read at send time, if anywhere.
pub fn reply_file(state: &SessionState, push_id: u64) -> Option<&Path> {
    let pending = state.pending.as_ref().filter(|p| p.id == push_id)?;
    pending.reply_file.as_deref()
}

/// Decides, right before sending, whether push `push_id` should still go out, and gives what
/// to send. A rate-limited push is dropped from the state here.
pub fn fire_check(
    state: &mut SessionState,
    push_id: u64,
    now_ms: u64,
    cfg: &EngineConfig,
) -> FireVerdict {
    let limited = rate_limited(state, now_ms, cfg);
    match &state.pending {
        Some(p) if p.id == push_id => {
            if p.kind() == Kind::Done && limited {
                mark_dropped(state, push_id);
                FireVerdict::RateLimited
            } else {
                FireVerdict::Fire(p.notification.clone())
            }
        }
        _ => FireVerdict::Superseded,
    }
}

/// Notes that push `push_id` of `kind` was delivered at `now_ms`: clears it from pending and
/// starts the Done rate limit.
pub fn mark_delivered(state: &mut SessionState, push_id: u64, kind: Kind, now_ms: u64) {
    mark_dropped(state, push_id);
    if kind == Kind::Done {
        state.last_done_push_ms = Some(now_ms);
    }
    if kind != Kind::Progress
        && let Some(t) = state.turn.as_mut()
    {
        t.push_delivered = true;
    }
}

/// Notes that push `push_id` will not be sent: clears it from pending, giving it back while it
/// was still the pending push.
pub fn mark_dropped(state: &mut SessionState, push_id: u64) -> Option<Pending> {
    state.pending.take_if(|p| p.id == push_id)
}
