//! What a step needs read before it runs: the transcript's account of the turn, and the
//! transcript's new records for progress pushes.

use crate::event::{Event, EventKind};
use crate::state::{ProgressCursor, SessionState, Turn};

use super::EngineConfig;

/// The step needs the transcript: the event lacks what the push must say. True for a turn end
/// without its reply, and for a session end the user did not cause while a turn is open
/// without a turn end (how an API error shows in `claude -p`, which gets no StopFailure).
pub fn wants_transcript(state: &SessionState, event: &Event) -> bool {
    match &event.kind {
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
    }
}

/// The step wants the transcript read forwards for progress pushes: returns the byte offset to
/// pass to [`scan_from`](crate::transcript::scan_from) (with the event's `transcript_path`), and
/// the resulting [`Scan`](crate::transcript::Scan) goes into [`Context::progress`](super::Context::progress). `None` when progress pushes are off,
/// the event has no transcript, or the event is not one that pushes progress (a person's
/// prompt, a finished tool call or round of the main agent or a subagent — both name the
/// parent's transcript —, the end of the main agent's turn).
///
/// Scan under the session's lock, after loading the state. If the scan fails with
/// [`OffsetPastEnd`](crate::transcript::TranscriptError::OffsetPastEnd), the transcript was
/// replaced: call [`restart_progress`] and ask again.
pub fn wants_progress_scan(state: &SessionState, event: &Event, cfg: &EngineConfig) -> Option<u64> {
    let path = event.transcript_path.as_deref()?;
    let scans = match &event.kind {
        EventKind::TurnStarted => true,
        EventKind::ToolSucceeded { .. }
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

/// Forgets where progress pushes were in the transcript, for a transcript that no longer
/// reaches the remembered offset. The next scan starts from 0 and skips earlier turns; the
/// remembered message ids still prevent repeats.
pub fn restart_progress(state: &mut SessionState) {
    state.progress = ProgressCursor {
        seen: std::mem::take(&mut state.progress.seen),
        ..ProgressCursor::default()
    };
}
