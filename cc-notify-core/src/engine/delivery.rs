//! The deliverer's protocol: a deliverer is [attached](attach_deliverer) to the push it was
//! spawned for, asks [`fire_check`] right before sending, and reports back with
//! [`mark_delivered`] or [`mark_dropped`].

use crate::notification::Kind;
use crate::state::{ProcessRef, SessionState};

use super::EngineConfig;
use super::push::rate_limited;

/// A deliverer's verdict right before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FireVerdict {
    /// Send it.
    Fire,
    /// It is no longer the pending push (a newer prompt or push replaced it).
    Superseded,
    /// A Done push went out less than `rate_limit` ago.
    RateLimited,
    /// The session's state is gone ([`Action::Forget`](super::Action::Forget) ran). [`fire_check`] needs a state and
    /// never says this; a caller that finds none uses it. Sessions the user ended cancel their
    /// push with [`Action::Cancel`](super::Action::Cancel) before forgetting, and a SessionEnd for any other reason
    /// (end of `claude -p`, closed terminal) lets the pending push complete, so a deliverer
    /// that was not signalled should still send.
    SessionGone,
}

/// Records the deliverer process of a scheduled push (ignored if the push is no longer pending).
pub fn attach_deliverer(state: &mut SessionState, push_id: u64, who: ProcessRef) {
    if let Some(p) = state.pending.as_mut().filter(|p| p.id == push_id) {
        p.deliverer = Some(who);
    }
}

/// Decides, right before sending, whether push `push_id` should still go out.
pub fn fire_check(
    state: &SessionState,
    push_id: u64,
    now_ms: u64,
    cfg: &EngineConfig,
) -> FireVerdict {
    match &state.pending {
        Some(p) if p.id == push_id => {
            if p.kind == Kind::Done && rate_limited(state, now_ms, cfg) {
                FireVerdict::RateLimited
            } else {
                FireVerdict::Fire
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

/// Notes that push `push_id` will not be sent: clears it from pending.
pub fn mark_dropped(state: &mut SessionState, push_id: u64) {
    state.pending.take_if(|p| p.id == push_id);
}
