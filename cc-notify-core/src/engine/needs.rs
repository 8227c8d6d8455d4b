//! The read plan: what the binary must find out before a step, and nothing the event or the
//! session's state already holds.

use crate::event::{Event, EventKind};
use crate::state::{SessionState, Turn};

use super::EngineConfig;

/// Everything a step needs read before it runs, from one call of [`needs`]. The binary reads
/// each thing once and puts the result into the [`Context`](super::Context).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Needs {
    /// Look for the opt-out markers ([`Context::silenced`](super::Context::silenced)): only
    /// events that can lead to a push pay for the check.
    pub opt_out: bool,
    /// Read the end of the turn from the event's transcript, this far back
    /// ([`Context::transcript`](super::Context::transcript)).
    pub transcript: Option<TailDepth>,
    /// Scan the transcript forwards from this byte offset for progress pushes
    /// ([`Context::progress`](super::Context::progress)). If the offset lies past the end, the
    /// transcript was replaced: scan from 0 and set
    /// [`Context::progress_restarted`](super::Context::progress_restarted).
    pub progress_from: Option<u64>,
}

/// How far back from the end of the transcript a read goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TailDepth {
    /// Only the turn's final reply or API error: the session's state saw the turn from its
    /// prompt, so it knows its tool failures already
    /// ([`transcript::last_reply`](crate::transcript::last_reply)).
    Reply,
    /// Back to the prompt that opened the turn, counting its tool failures: the state joined
    /// the turn late ([`transcript::last_turn`](crate::transcript::last_turn)).
    Turn,
}

/// What to read before stepping `state` with `event`.
///
/// * The opt-out markers, for events that can lead to a push.
/// * The transcript's end, when the event lacks what the push must say: a turn end without its
///   reply, or a session end the user did not cause while a turn is open without a turn end
///   (how an API error shows in `claude -p`, which gets no StopFailure). Only as far back as
///   the state does not already know.
/// * The transcript forwards from the progress cursor, when progress pushes are on and the
///   event is one that pushes progress (a person's prompt, a finished tool call or round of
///   the main agent or a subagent — both name the parent's transcript —, the end of the main
///   agent's turn).
pub fn needs(state: &SessionState, event: &Event, cfg: &EngineConfig) -> Needs {
    Needs {
        opt_out: can_push(event),
        transcript: transcript_depth(state, event),
        progress_from: progress_from(state, event, cfg),
    }
}

/// Events that can lead to a push.
fn can_push(event: &Event) -> bool {
    matches!(
        event.kind,
        EventKind::TurnEnded { .. }
            | EventKind::ApiError { .. }
            | EventKind::NeedsInput { .. }
            | EventKind::Notice { .. }
            | EventKind::SessionEnded { .. }
            | EventKind::ToolSucceeded { .. }
            | EventKind::ToolFailed { .. }
            | EventKind::ToolRoundFinished { .. }
            | EventKind::SubagentEnded { .. }
    )
}

fn transcript_depth(state: &SessionState, event: &Event) -> Option<TailDepth> {
    let wanted = match &event.kind {
        EventKind::TurnEnded {
            reply,
            background_running,
            ..
        } => {
            *background_running == 0
                && event.is_main()
                && reply.as_deref().is_none_or(str::is_empty)
        }
        EventKind::SessionEnded { reason } => {
            !reason.user_at_keyboard() && state.turn.as_ref().is_some_and(Turn::is_open)
        }
        _ => false,
    };
    if !wanted {
        return None;
    }
    // A turn seen from its prompt has had every tool call counted as it happened.
    let seen_whole = state.turn.as_ref().is_some_and(|t| t.started_ms.is_some());
    Some(if seen_whole {
        TailDepth::Reply
    } else {
        TailDepth::Turn
    })
}

fn progress_from(state: &SessionState, event: &Event, cfg: &EngineConfig) -> Option<u64> {
    let path = event.transcript_path.as_deref()?;
    let scans = match &event.kind {
        EventKind::TurnStarted
        | EventKind::ToolSucceeded { .. }
        | EventKind::ToolFailed { .. }
        | EventKind::ToolRoundFinished { .. } => true,
        EventKind::TurnEnded { .. } | EventKind::ApiError { .. } => event.is_main(),
        _ => false,
    };
    let cursor = &state.progress;
    (cfg.progress && scans).then(|| {
        if cursor.path.as_deref() == Some(path) {
            cursor.offset
        } else {
            0
        }
    })
}
