//! Building a push and scheduling it: the rules that may stop it (opt-out, headless policy,
//! rate limit), and the replacement of the pending push.

use std::time::Duration;

use crate::decision::DecisionKind;
use crate::event::Event;
use crate::notification::{Kind, Notification};
use crate::outcome::{TurnSignals, classify};
use crate::render::{self, Headline};
use crate::state::{Pending, SessionState, Turn};

use super::{Action, Context, EngineConfig, HeadlessPolicy};

/// A push the step wants to schedule, before the rules that may stop it.
pub(super) struct Push {
    pub(super) notification: Notification,
    pub(super) delay: Duration,
    pub(super) presence_checked: bool,
}

/// The longest turn length believed: a longer one means the wall clock was wrong when the
/// turn started or is wrong now (a machine that booted without network time is in 1970).
pub(super) const LONGEST_BELIEVABLE_TURN: Duration = Duration::from_secs(7 * 24 * 3600);

/// How long the turn has run at `now_ms`; `None` when its start is unknown, or so long ago
/// ([`LONGEST_BELIEVABLE_TURN`]) that the wall clock cannot have been right. A start in the
/// future (the clock stepped back) counts as a turn of no length.
fn turn_length(turn: &Turn, now_ms: u64) -> Option<Duration> {
    turn.started_ms
        .map(|s| Duration::from_millis(now_ms.saturating_sub(s)))
        .filter(|d| *d <= LONGEST_BELIEVABLE_TURN)
}

pub(super) fn cancel(p: Pending, reason: String) -> Action {
    Action::Cancel {
        push_id: p.id,
        deliverer: p.deliverer,
        reason,
    }
}

pub(super) fn record(decision: DecisionKind, kind: Option<Kind>, reason: String) -> Action {
    Action::Record {
        decision,
        kind,
        reason,
    }
}

pub(super) fn rate_limited(state: &SessionState, now_ms: u64, cfg: &EngineConfig) -> bool {
    let limit = u64::try_from(cfg.rate_limit.as_millis()).unwrap_or(u64::MAX);
    state
        .last_done_push_ms
        .is_some_and(|last| now_ms.saturating_sub(last) < limit)
}

pub(super) fn stamp(n: &mut Notification, project: String, event: &Event, ctx: &Context) {
    n.session_id = Some(event.session_id.clone());
    n.project = Some(project);
    n.timestamp = Some(ctx.now_ms / 1000);
}

/// The Done or Error push for a turn that ended.
pub(super) fn turn_end_push(
    signals: &TurnSignals,
    reply: &str,
    turn: &Turn,
    event: &Event,
    ctx: &Context,
    cfg: &EngineConfig,
) -> Push {
    let outcome = classify(signals);
    let length = turn_length(turn, ctx.now_ms);
    let project = render::project_name(event.cwd.as_deref());
    let headline = match outcome.kind {
        Kind::Error => Headline::Error(&outcome.reason),
        _ => Headline::Done(length),
    };
    let body = render::with_note(
        outcome.failure_note().as_deref(),
        &render::body(reply, cfg.redact),
    );
    let mut n = Notification::new(
        outcome.kind,
        render::agent_title(event.agent, &project, headline),
        body,
    );
    stamp(&mut n, project, event, ctx);
    Push {
        delay: cfg
            .bands
            .delay(length.unwrap_or(Duration::ZERO), outcome.kind),
        presence_checked: outcome.kind != Kind::Error,
        notification: n,
    }
}

/// The NeedsInput push for a dialog or an idle prompt.
pub(super) fn needs_input_push(
    message: Option<&str>,
    state: &SessionState,
    event: &Event,
    ctx: &Context,
    cfg: &EngineConfig,
) -> Push {
    let project = render::project_name(event.cwd.as_deref());
    let body = render::body(message.unwrap_or(""), cfg.redact);
    let mut n = Notification::new(
        Kind::NeedsInput,
        render::agent_title(event.agent, &project, Headline::NeedsInput),
        body,
    );
    stamp(&mut n, project, event, ctx);
    let so_far = state
        .turn
        .as_ref()
        .and_then(|t| turn_length(t, ctx.now_ms))
        .unwrap_or(Duration::ZERO);
    Push {
        notification: n,
        delay: cfg.bands.delay(so_far, Kind::NeedsInput),
        presence_checked: true,
    }
}

/// Why pushes are off for this session, if they are: the project is silenced, or the session
/// is headless and headless pushes are off.
pub(super) fn refusal(ctx: &Context, cfg: &EngineConfig) -> Option<(DecisionKind, &'static str)> {
    if ctx.silenced {
        Some((
            DecisionKind::Suppressed,
            "project silenced by .no-pushover/.cc-notify-off",
        ))
    } else if ctx.headless && cfg.headless == HeadlessPolicy::Skip {
        Some((
            DecisionKind::Suppressed,
            "headless session (no terminal) and headless pushes are off ([sessions] headless = \"notify\" turns them on)",
        ))
    } else {
        None
    }
}

/// Applies the rules that may stop a push, then replaces the pending push with it.
pub(super) fn schedule(
    state: &mut SessionState,
    push: Push,
    ctx: &Context,
    cfg: &EngineConfig,
    actions: &mut Vec<Action>,
) {
    let kind = push.notification.kind;
    let refusal = refusal(ctx, cfg).or_else(|| {
        (kind == Kind::Done && rate_limited(state, ctx.now_ms, cfg)).then_some((
            DecisionKind::RateLimited,
            "a Done push of this session went out less than the rate limit ago",
        ))
    });
    if let Some((decision, reason)) = refusal {
        actions.push(record(decision, Some(kind), reason.to_owned()));
        return;
    }
    if let Some(p) = state.pending.take() {
        actions.push(cancel(p, "replaced by a newer push".into()));
    }
    let id = state.next_push_id;
    state.next_push_id = id.saturating_add(1);
    let delay_ms = u64::try_from(push.delay.as_millis()).unwrap_or(u64::MAX);
    let pending = Pending {
        id,
        notification: push.notification,
        scheduled_ms: ctx.now_ms,
        fire_at_ms: ctx.now_ms.saturating_add(delay_ms),
        // A session without a terminal has no typing to watch.
        presence_checked: push.presence_checked && !ctx.headless,
        terminal: None,
        deliverer: None,
        reply_file: None,
    };
    state.pending = Some(pending.clone());
    actions.push(Action::Schedule(pending));
}
