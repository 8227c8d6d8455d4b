//! The progress part of a step (see [`progress`](crate::progress)): what a scan of the
//! transcript adds to the held messages, and when they go out.

use crate::decision::DecisionKind;
use crate::event::{Event, EventKind};
use crate::notification::{Kind, Notification};
use crate::progress::{MAX_BURST, Moment, absorb, cap_burst, join, title};
use crate::render::{self, BODY_MAX_CHARS};
use crate::state::ProgressCursor;

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
            Moment::Prompt
        }
        EventKind::ToolSucceeded { .. }
        | EventKind::ToolFailed { .. }
        | EventKind::ToolRoundFinished { .. } => Moment::Running,
        EventKind::TurnEnded { .. } | EventKind::ApiError { .. } if main => {
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
    let bodies = if interval == 0 {
        cap_burst(bodies)
    } else {
        vec![join(&bodies)]
    };
    let project = render::project_name(event.cwd.as_deref());
    let pushes = bodies
        .into_iter()
        .map(|body| {
            let mut n = Notification::new(Kind::Progress, title(&project), body);
            n.session_id = Some(event.session_id.clone());
            n.project = Some(project.clone());
            n.timestamp = Some(ctx.now_ms / 1000);
            n
        })
        .collect();
    cursor.last_push_ms = Some(ctx.now_ms);
    actions.push(Action::SendNow(pushes));
}
