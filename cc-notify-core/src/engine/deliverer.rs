//! The deliverer's protocol: a deliverer is [attached](attach_deliverer) to the push it was
//! spawned for, asks [`fire_check`] right before sending, and reports back with
//! [`mark_delivered`] or [`mark_dropped`]. A push whose deliverer died before reporting back
//! (killed, out of memory, a reboot) is [recovered](orphan_verdict) by whichever cc-notify
//! process notices it.

use std::time::Duration;

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

/// What to do about the pending push of a session whose deliverer is gone (it ended without
/// reporting back: killed, out of memory, the machine rebooted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Orphan {
    /// Still wanted: start a new deliverer that waits `delay` (what is left of the push's own
    /// delay; zero when it is overdue) and watches the terminal as the first one would have.
    Resend {
        /// The push.
        push_id: u64,
        /// How long the new deliverer waits before sending.
        delay: Duration,
    },
    /// No longer wanted: drop it ([`mark_dropped`]) and log it as lost, saying why.
    Lost {
        /// The push.
        push_id: u64,
        /// Why it is not sent, for the log.
        reason: String,
    },
}

/// Decides about the session's pending push once the caller has found its deliverer gone
/// (`None` when there is no pending push). It is still wanted unless a newer turn began after
/// it was scheduled or it is older than `max_age` (`[delivery] outbox_max_age`: the age beyond
/// which a failed push is not sent either). A wall clock that moved back since the push was
/// scheduled counts as no time passed, never as a negative age.
pub fn orphan_verdict(state: &SessionState, now_ms: u64, max_age: Duration) -> Option<Orphan> {
    let p = state.pending.as_ref()?;
    let push_id = p.id;
    let newer_turn = state
        .turn
        .as_ref()
        .and_then(|t| t.started_ms)
        .is_some_and(|started| started > p.scheduled_ms);
    let age = Duration::from_millis(now_ms.saturating_sub(p.scheduled_ms));
    Some(if newer_turn {
        Orphan::Lost {
            push_id,
            reason: "lost: its delivery process ended without sending it, and a newer prompt \
                     came since"
                .into(),
        }
    } else if age > max_age {
        Orphan::Lost {
            push_id,
            reason: format!(
                "lost: its delivery process ended without sending it, and it is older than \
                 [delivery] outbox_max_age ({} s)",
                max_age.as_secs()
            ),
        }
    } else {
        let left = p.fire_at_ms.saturating_sub(now_ms.max(p.scheduled_ms));
        Orphan::Resend {
            push_id,
            delay: Duration::from_millis(left).min(p.delay()),
        }
    })
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
