//! The progress part of a step (see [`progress`](crate::progress)): what a scan of the
//! transcript adds to the held messages, and when they go out; and the last scan a turn-end
//! banner makes before it goes out ([`banner_catch_up`]).

use std::path::Path;

use crate::decision::DecisionKind;
use crate::event::{Event, EventKind};
use crate::notification::{Kind, Notification};
use crate::progress::{MAX_BURST, Moment, absorb, cap_burst, join, title};
use crate::render::{self, BODY_MAX_CHARS};
use crate::state::{ProgressCursor, SessionState};
use crate::transcript::Scan;

use super::push::refusal;
use super::{Action, Context, EngineConfig};

/// The progress part of a step: absorbs `ctx.progress`, then pushes what is due. Called by
/// [`step`](crate::engine::step) only when progress pushes are on.
pub(super) fn advance(
    cursor: &mut ProgressCursor,
    event: &Event,
    ctx: &Context,
    cfg: &EngineConfig,
    final_block: Option<&str>,
    actions: &mut Vec<Action>,
) {
    let main = event.subagent.is_none();
    let moment = match &event.kind {
        EventKind::TurnStarted => {
            cursor.held.clear();
            cursor.last_push_ms = None;
            cursor.turn_end_reply = None;
            Moment::Prompt
        }
        EventKind::ToolSucceeded { .. }
        | EventKind::ToolFailed { .. }
        | EventKind::ToolRoundFinished { .. } => Moment::Running,
        EventKind::TurnEnded { .. } | EventKind::ApiError { .. } if main => {
            cursor.turn_end_reply = Some(final_block.unwrap_or_default().to_owned());
            Moment::TurnEnd(final_block)
        }
        _ => return,
    };
    if let Some(scan) = &ctx.progress {
        let path = event.transcript_path.as_deref();
        let texts = absorb(cursor, scan, path, moment);
        let room = BODY_MAX_CHARS.saturating_mul(MAX_BURST);
        for text in texts {
            if cursor.held.iter().map(String::len).sum::<usize>() < room {
                cursor.held.push(render::body(text, cfg.redact));
            }
        }
    }
    if cursor.held.is_empty() {
        return;
    }
    if let Some((_, reason)) = refusal(ctx, cfg) {
        let n = cursor.held.len();
        cursor.held.clear();
        cursor.turn_end_reply = None;
        actions.push(Action::Record {
            decision: DecisionKind::Suppressed,
            kind: Some(Kind::Progress),
            reason: format!("{n} progress message(s) not pushed: {reason}"),
        });
        return;
    }
    let interval = u64::try_from(cfg.progress_min_interval.as_millis()).unwrap_or(u64::MAX);
    let due = matches!(moment, Moment::TurnEnd(_))
        || cursor
            .last_push_ms
            .is_none_or(|last| ctx.now_ms.saturating_sub(last) >= interval);
    if !due {
        return;
    }
    let bodies = std::mem::take(&mut cursor.held);
    let project = render::project_name(event.cwd.as_deref());
    let pushes = pushes(bodies, cfg, &project, &event.session_id, ctx.now_ms);
    cursor.last_push_ms = Some(ctx.now_ms);
    actions.push(Action::SendNow(pushes));
}

/// Where the banner `push_id` is to scan the transcript right before it goes out (the path
/// and the offset to pass to [`banner_catch_up`]): `None` unless it is the pending push of
/// a turn that ended with progress pushes on, and the transcript was scanned before.
pub fn banner_catch_up_from(state: &SessionState, push_id: u64) -> Option<(&Path, u64)> {
    let cursor = &state.progress;
    let banner = state.pending.as_ref().is_some_and(|p| p.id == push_id);
    let path = cursor.path.as_deref()?;
    (banner && cursor.turn_end_reply.is_some()).then_some((path, cursor.offset))
}

/// The progress pushes to send right before the turn-end banner `push_id`, from `scan` (the
/// transcript scanned from [`banner_catch_up_from`]): the turn's intermediate messages the
/// transcript had not written yet when the turn-end hook read it. Claude Code writes its
/// transcript in batches, so on a busy machine it lags the hooks, and after the turn end no
/// hook of the turn reads it again. The final reply stays the banner's; a message already
/// pushed is never pushed again. Empty once caught up, or when `push_id` is no longer pending.
pub fn banner_catch_up(
    state: &mut SessionState,
    push_id: u64,
    scan: &Scan,
    cfg: &EngineConfig,
    now_ms: u64,
) -> Vec<Notification> {
    let Some(banner) = state.pending.as_ref().filter(|p| p.id == push_id) else {
        return Vec::new();
    };
    let cursor = &mut state.progress;
    let Some(reply) = cursor.turn_end_reply.take() else {
        return Vec::new();
    };
    let path = cursor.path.clone();
    let block = Some(reply.as_str()).filter(|r| !r.is_empty());
    let texts = absorb(cursor, scan, path.as_deref(), Moment::TurnEnd(block));
    if texts.is_empty() {
        return Vec::new();
    }
    let bodies = texts
        .into_iter()
        .map(|t| render::body(t, cfg.redact))
        .collect();
    let n = &banner.notification;
    let project = n.project.clone().unwrap_or_default();
    let session = n.session_id.clone().unwrap_or_default();
    cursor.last_push_ms = Some(now_ms);
    pushes(bodies, cfg, &project, &session, now_ms)
}

/// Progress notifications of `project`'s `session` for `bodies`: one each with `min_interval`
/// 0 (at most [`MAX_BURST`]), else joined into one.
fn pushes(
    bodies: Vec<String>,
    cfg: &EngineConfig,
    project: &str,
    session: &str,
    now_ms: u64,
) -> Vec<Notification> {
    let bodies = if cfg.progress_min_interval.as_millis() == 0 {
        cap_burst(bodies)
    } else {
        vec![join(&bodies)]
    };
    bodies
        .into_iter()
        .map(|body| {
            let mut n = Notification::new(Kind::Progress, title(project), body);
            n.session_id = Some(session.to_owned());
            n.project = Some(project.to_owned());
            n.timestamp = Some(now_ms / 1000);
            n
        })
        .collect()
}
