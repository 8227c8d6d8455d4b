//! The turn-state machine: one hook event and the session's state in, the new state and the
//! [`Action`]s to carry out.
//!
//! [`step`] is pure: the clock, the opt-out marker files, whether a terminal is attached and
//! what the transcript says all come in through [`Context`]. The binary executes the actions
//! in order: [`Action::Cancel`] signals a deliverer, [`Action::Schedule`] spawns one (then
//! [`attach_deliverer`] records it), [`Action::SendNow`] hands progress pushes to a deliverer
//! that sends them at once, [`Action::Record`] logs a decision and [`Action::Forget`] deletes
//! the session's state. A deliverer asks [`fire_check`] right before sending and
//! reports back with [`mark_delivered`] or [`mark_dropped`].
//!
//! Rules, in short:
//! * A person's prompt starts a turn and cancels any pending push: they are at the keyboard.
//! * A prompt Claude Code injects (`<task-notification>`) continues the turn and leaves a
//!   pending push alone: nobody came back, and the Stop that ends the continued work replaces
//!   that push anyway; should the continuation end without a Stop, the earlier end is still
//!   reported.
//! * Stop ends the turn with a Done or Error push after the delay policy's wait; a Stop with
//!   background tasks running is a pause, not an end. StopFailure pushes an Error at once.
//! * A Stop with `stop_hook_active` (the turn went on after a Stop hook blocked) replaces a
//!   still-pending push with one carrying the newer reply, and pushes nothing if the turn's
//!   push was already delivered: one push per turn either way.
//! * A permission or MCP dialog pushes NeedsInput; any later event except a Notification
//!   cancels it (the dialog was answered). `idle_prompt` pushes NeedsInput unless a push about
//!   the turn is already pending or delivered.
//! * At most one pending push per session: a new push replaces the pending one.
//! * At most one Done push per `rate_limit`; Error and NeedsInput are never rate limited.
//! * With progress pushes on, the agent's intermediate messages go out silently as the
//!   transcript shows them, besides the one banner per turn (see [`progress`](crate::progress)).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::decision::DecisionKind;
use crate::delay::{Bands, DelayPolicy};
use crate::event::{EventKind, HookEvent, NotificationType};
use crate::notification::{Kind, Notification};
use crate::outcome::{TurnSignals, classify};
use crate::progress;
use crate::render::{self, Headline};
use crate::state::{Pending, ProcessRef, ProgressCursor, SessionState, Turn};
use crate::transcript::Scan;

/// How the engine behaves; the binary fills it from the user's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// How long a push waits, by turn duration.
    pub bands: Bands,
    /// The least time between two Done pushes of one session.
    pub rate_limit: Duration,
    /// What to do in sessions without a terminal (`claude -p`).
    pub headless: HeadlessPolicy,
    /// Push when a named subagent finishes (compaction agents never push).
    pub subagent_pushes: bool,
    /// Push intermediate assistant messages as they appear (see [`progress`](crate::progress)).
    pub progress: bool,
    /// The notifier priority of progress pushes (Pushover: -2 silent, -1 quiet).
    pub progress_priority: i8,
    /// The least time between two progress pushes; messages in between are joined into one
    /// push. Zero: one push per message.
    pub progress_min_interval: Duration,
    /// Redact credential-like strings in push bodies.
    pub redact: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            bands: Bands::default(),
            rate_limit: Duration::from_secs(5),
            headless: HeadlessPolicy::Skip,
            subagent_pushes: false,
            progress: false,
            progress_priority: -2,
            progress_min_interval: Duration::ZERO,
            redact: true,
        }
    }
}

/// What to do in a session nobody is attached to (`claude -p`, scripts, CI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadlessPolicy {
    /// Never push for headless sessions.
    #[default]
    Skip,
    /// Push as for any other session.
    Notify,
}

/// The facts about the world a step needs, gathered by the binary. Build it with
/// `..Context::default()` so that new fields do not break callers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The current time, Unix milliseconds.
    pub now_ms: u64,
    /// An opt-out marker (`.no-pushover` or `.cc-notify-off`) is in the cwd or project dir.
    pub silenced: bool,
    /// The session has no terminal (`claude -p`, `CLAUDE_CODE_SESSION_ATTENDED=0`).
    pub headless: bool,
    /// What the transcript says, read only when [`wants_transcript`] asked for it.
    pub transcript: Option<TranscriptFacts>,
    /// The transcript read forwards from the offset [`wants_progress_scan`] gave, only when it
    /// asked for it.
    pub progress: Option<Scan>,
}

/// What the session's transcript says about the current turn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TranscriptFacts {
    /// The turn's final assistant reply.
    pub final_reply: Option<String>,
    /// The text of the API error the turn ended on.
    pub api_error: Option<String>,
    /// Failed tool calls of the turn.
    pub tool_failures: u32,
    /// The turn's last tool call failed.
    pub last_tool_failed: bool,
}

/// One thing for the binary to do, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Spawn a deliverer for this push, then [`attach_deliverer`] it.
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
    /// The push's id (also stored in [`SessionState::pending`]).
    pub id: u64,
    /// What to send.
    pub notification: Notification,
    /// How long to wait before sending.
    pub delay: Duration,
    /// Drop the push if the user turns out to be at the terminal when it is due.
    pub presence_checked: bool,
}

/// A deliverer's verdict right before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FireVerdict {
    /// Send it.
    Fire,
    /// It is no longer the pending push (a newer prompt or push replaced it).
    Superseded,
    /// A Done push went out less than `rate_limit` ago.
    RateLimited,
    /// The session's state is gone ([`Action::Forget`] ran). [`fire_check`] needs a state and
    /// never says this; a caller that finds none uses it. Sessions the user ended cancel their
    /// push with [`Action::Cancel`] before forgetting, and a SessionEnd for any other reason
    /// (end of `claude -p`, closed terminal) lets the pending push complete, so a deliverer
    /// that was not signalled should still send.
    SessionGone,
}

/// The step needs the transcript: the event lacks what the push must say. True for a Stop
/// without `last_assistant_message`, and for a SessionEnd the user did not cause while a turn
/// is open without a Stop (how an API error shows in `claude -p`, which gets no StopFailure).
pub fn wants_transcript(state: &SessionState, event: &HookEvent) -> bool {
    match &event.kind {
        EventKind::Stop {
            last_assistant_message,
            background_running,
            ..
        } => {
            *background_running == 0
                && event.agent_id.is_none()
                && last_assistant_message.as_deref().is_none_or(str::is_empty)
        }
        EventKind::SessionEnd { reason } => {
            !reason.user_at_keyboard() && state.turn.as_ref().is_some_and(Turn::is_open)
        }
        _ => false,
    }
}

/// The step wants the transcript read forwards for progress pushes: returns the byte offset to
/// pass to [`scan_from`](crate::transcript::scan_from) (with the event's `transcript_path`), and
/// the resulting [`Scan`] goes into [`Context::progress`]. `None` when progress pushes are off,
/// the event has no transcript, or the event is not one that pushes progress (a person's
/// prompt, a finished tool call or round of the main agent or a subagent — both name the
/// parent's transcript —, the end of the main agent's turn).
///
/// Scan under the session's lock, after loading the state. If the scan fails with
/// [`OffsetPastEnd`](crate::transcript::TranscriptError::OffsetPastEnd), the transcript was
/// replaced: call [`restart_progress`] and ask again.
pub fn wants_progress_scan(
    state: &SessionState,
    event: &HookEvent,
    cfg: &EngineConfig,
) -> Option<u64> {
    let path = event.transcript_path.as_deref()?;
    let main = event.agent_id.is_none();
    let scans = match &event.kind {
        EventKind::UserPromptSubmit { system_injected } => !system_injected,
        EventKind::PostToolUse { .. }
        | EventKind::PostToolUseFailure { .. }
        | EventKind::PostToolBatch { .. } => true,
        EventKind::Stop { .. } | EventKind::StopFailure { .. } => main,
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

/// Steps a session's state with one hook event.
pub fn step(
    mut state: SessionState,
    event: &HookEvent,
    ctx: &Context,
    cfg: &EngineConfig,
) -> (SessionState, Vec<Action>) {
    let mut actions = Vec::new();
    let now = ctx.now_ms;

    // A pending NeedsInput push is answered by anything but another notification.
    let is_notification = matches!(event.kind, EventKind::Notification { .. });
    if !is_notification && let Some(p) = state.pending.take_if(|p| p.kind == Kind::NeedsInput) {
        actions.push(cancel(p, format!("answered ({} followed)", event.name())));
    }

    if cfg.progress {
        let final_block = match &event.kind {
            EventKind::Stop {
                last_assistant_message,
                ..
            } => last_assistant_message
                .as_deref()
                .filter(|m| !m.is_empty())
                .or_else(|| ctx.transcript.as_ref()?.final_reply.as_deref()),
            _ => None,
        };
        progress::advance(
            &mut state.progress,
            event,
            ctx,
            cfg,
            final_block,
            &mut actions,
        );
    }

    let in_subagent = event.agent_id.is_some();
    match &event.kind {
        EventKind::UserPromptSubmit {
            system_injected: false,
        } => {
            if let Some(p) = state.pending.take() {
                actions.push(cancel(p, "new prompt: the user is at the keyboard".into()));
            }
            // A prompt typed while the turn runs is queued by Claude Code into the same turn
            // (it carries the running turn's prompt_id, and one Stop follows): keep the turn.
            let queued = state.turn.as_ref().is_some_and(|t| {
                t.is_open() && t.prompt_id.is_some() && t.prompt_id == event.prompt_id
            });
            if !queued {
                state.turn = Some(Turn::started(now, event.prompt_id.clone()));
            }
        }
        EventKind::UserPromptSubmit {
            system_injected: true,
        } => {
            let turn = state.turn.get_or_insert_with(Turn::default);
            turn.stopped_ms = None;
            turn.push_delivered = false;
            // The continuation's Stop carries the injected prompt's id.
            if event.prompt_id.is_some() {
                turn.prompt_id.clone_from(&event.prompt_id);
            }
        }
        EventKind::PostToolUse { .. } if !in_subagent => {
            open_turn(&mut state).last_tool_failed = false;
        }
        EventKind::PostToolUseFailure { .. } if !in_subagent => {
            let turn = open_turn(&mut state);
            turn.tool_failures = turn.tool_failures.saturating_add(1);
            turn.failures_since_batch = turn.failures_since_batch.saturating_add(1);
            turn.last_tool_failed = true;
        }
        EventKind::PostToolBatch { calls } if !in_subagent => {
            let turn = open_turn(&mut state);
            let refused = calls.iter().filter(|c| c.tool_use_error).count();
            let refused = u32::try_from(refused).unwrap_or(u32::MAX);
            turn.tool_failures = turn.tool_failures.saturating_add(refused);
            turn.last_tool_failed = refused > 0 || turn.failures_since_batch > 0;
            turn.failures_since_batch = 0;
        }
        EventKind::Stop {
            background_running, ..
        } if *background_running > 0 && !in_subagent => {
            open_turn(&mut state);
            actions.push(record(
                DecisionKind::Suppressed,
                None,
                format!("{background_running} background task(s) still running: not done yet"),
            ));
        }
        EventKind::Stop {
            stop_hook_active,
            last_assistant_message,
            ..
        } if !in_subagent => {
            let turn = state.turn.get_or_insert_with(Turn::default);
            turn.stopped_ms = Some(now);
            if *stop_hook_active && turn.push_delivered {
                actions.push(record(
                    DecisionKind::Suppressed,
                    None,
                    "the turn continued after a Stop hook; its push was already sent".into(),
                ));
            } else {
                let facts = ctx.transcript.as_ref();
                let turn = turn.clone();
                let signals = TurnSignals {
                    api_error: None,
                    tool_failures: turn.tool_failures.max(facts.map_or(0, |f| f.tool_failures)),
                    last_tool_failed: turn.last_tool_failed
                        || facts.is_some_and(|f| f.last_tool_failed),
                };
                let reply = last_assistant_message
                    .as_deref()
                    .filter(|m| !m.is_empty())
                    .or_else(|| facts.and_then(|f| f.final_reply.as_deref()))
                    .unwrap_or("");
                let push = turn_end_push(&signals, reply, &turn, event, ctx, cfg);
                schedule(&mut state, push, ctx, cfg, &mut actions);
            }
        }
        EventKind::StopFailure {
            error,
            last_assistant_message,
        } if !in_subagent => {
            let turn = state.turn.get_or_insert_with(Turn::default).clone();
            if let Some(t) = state.turn.as_mut() {
                t.stopped_ms = Some(now);
            }
            let signals = TurnSignals {
                api_error: Some(error.describe().to_owned()),
                tool_failures: turn.tool_failures,
                last_tool_failed: turn.last_tool_failed,
            };
            let reply = last_assistant_message.as_deref().unwrap_or("");
            let push = turn_end_push(&signals, reply, &turn, event, ctx, cfg);
            schedule(&mut state, push, ctx, cfg, &mut actions);
        }
        EventKind::Notification {
            notification_type,
            message,
        } => {
            let wants_input = notification_type.blocks_on_user()
                || (*notification_type == NotificationType::IdlePrompt);
            let pending_kind = state.pending.as_ref().map(|p| p.kind);
            let delivered = state.turn.as_ref().is_some_and(|t| t.push_delivered);
            if !wants_input {
                // auth_success, agent_completed, …: nothing for the phone.
            } else if pending_kind == Some(Kind::NeedsInput) {
                actions.push(record(
                    DecisionKind::Suppressed,
                    Some(Kind::NeedsInput),
                    "a needs-input push is already pending".into(),
                ));
            } else if *notification_type == NotificationType::IdlePrompt
                && (delivered || pending_kind.is_some())
            {
                actions.push(record(
                    DecisionKind::Suppressed,
                    Some(Kind::NeedsInput),
                    "idle: a push about this turn is already pending or sent".into(),
                ));
            } else {
                let push = needs_input_push(message.as_deref(), &state, event, ctx, cfg);
                schedule(&mut state, push, ctx, cfg, &mut actions);
            }
        }
        EventKind::SubagentStop {
            agent_type,
            last_assistant_message,
        } if cfg.subagent_pushes && !agent_type.is_empty() => {
            let project = render::project_name(event.cwd.as_deref());
            let reply = last_assistant_message.as_deref().unwrap_or("");
            let mut n = Notification::new(
                Kind::Done,
                format!("{project} — {agent_type} agent finished"),
                render::body(reply, cfg.redact),
            );
            stamp(&mut n, project, event, ctx);
            let push = Push {
                notification: n,
                delay: cfg.bands.delay(Duration::ZERO, Kind::Done),
                presence_checked: true,
            };
            schedule(&mut state, push, ctx, cfg, &mut actions);
        }
        EventKind::SessionEnd { reason } => {
            if reason.user_at_keyboard() {
                if let Some(p) = state.pending.take() {
                    actions.push(cancel(p, "session closed by the user".into()));
                }
            } else if let Some(turn) = state.turn.clone().filter(Turn::is_open)
                && let Some(api_error) = ctx.transcript.as_ref().and_then(|f| f.api_error.clone())
            {
                let facts = ctx.transcript.as_ref();
                let signals = TurnSignals {
                    api_error: Some("API error".to_owned()),
                    tool_failures: turn.tool_failures.max(facts.map_or(0, |f| f.tool_failures)),
                    last_tool_failed: turn.last_tool_failed,
                };
                let push = turn_end_push(&signals, &api_error, &turn, event, ctx, cfg);
                schedule(&mut state, push, ctx, cfg, &mut actions);
            }
            actions.push(Action::Forget);
        }
        _ => {}
    }
    (state, actions)
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

/// A push the step wants to schedule, before the rules that may stop it.
struct Push {
    notification: Notification,
    delay: Duration,
    presence_checked: bool,
}

fn open_turn(state: &mut SessionState) -> &mut Turn {
    let turn = state.turn.get_or_insert_with(Turn::default);
    turn.stopped_ms = None;
    turn
}

fn turn_length(turn: &Turn, now_ms: u64) -> Option<Duration> {
    turn.started_ms
        .map(|s| Duration::from_millis(now_ms.saturating_sub(s)))
}

fn cancel(p: Pending, reason: String) -> Action {
    Action::Cancel {
        push_id: p.id,
        deliverer: p.deliverer,
        reason,
    }
}

fn record(decision: DecisionKind, kind: Option<Kind>, reason: String) -> Action {
    Action::Record {
        decision,
        kind,
        reason,
    }
}

fn rate_limited(state: &SessionState, now_ms: u64, cfg: &EngineConfig) -> bool {
    let limit = u64::try_from(cfg.rate_limit.as_millis()).unwrap_or(u64::MAX);
    state
        .last_done_push_ms
        .is_some_and(|last| now_ms.saturating_sub(last) < limit)
}

fn stamp(n: &mut Notification, project: String, event: &HookEvent, ctx: &Context) {
    n.session_id = Some(event.session_id.clone());
    n.project = Some(project);
    n.timestamp = Some(ctx.now_ms / 1000);
}

/// The Done or Error push for a turn that ended.
fn turn_end_push(
    signals: &TurnSignals,
    reply: &str,
    turn: &Turn,
    event: &HookEvent,
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
    let mut n = Notification::new(outcome.kind, render::title(&project, headline), body);
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
fn needs_input_push(
    message: Option<&str>,
    state: &SessionState,
    event: &HookEvent,
    ctx: &Context,
    cfg: &EngineConfig,
) -> Push {
    let project = render::project_name(event.cwd.as_deref());
    let body = render::body(message.unwrap_or(""), cfg.redact);
    let mut n = Notification::new(
        Kind::NeedsInput,
        render::title(&project, Headline::NeedsInput),
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

/// Applies the rules that may stop a push, then replaces the pending push with it.
fn schedule(
    state: &mut SessionState,
    push: Push,
    ctx: &Context,
    cfg: &EngineConfig,
    actions: &mut Vec<Action>,
) {
    let kind = push.notification.kind;
    let refusal = if ctx.silenced {
        Some((
            DecisionKind::Suppressed,
            "project silenced by .no-pushover/.cc-notify-off",
        ))
    } else if ctx.headless && cfg.headless == HeadlessPolicy::Skip {
        Some((
            DecisionKind::Suppressed,
            "headless session (no terminal) and headless pushes are off",
        ))
    } else if kind == Kind::Done && rate_limited(state, ctx.now_ms, cfg) {
        Some((
            DecisionKind::RateLimited,
            "a Done push of this session went out less than the rate limit ago",
        ))
    } else {
        None
    };
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
    state.pending = Some(Pending {
        id,
        kind,
        scheduled_ms: ctx.now_ms,
        fire_at_ms: ctx.now_ms.saturating_add(delay_ms),
        deliverer: None,
    });
    actions.push(Action::Schedule(PushPlan {
        id,
        notification: push.notification,
        delay: push.delay,
        presence_checked: push.presence_checked,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{BatchCall, EndReason, StopError};
    use std::path::PathBuf;

    fn ev(kind: EventKind) -> HookEvent {
        HookEvent {
            session_id: "s1".into(),
            transcript_path: None,
            cwd: Some(PathBuf::from("/home/dev/proj")),
            prompt_id: Some("p1".into()),
            agent_id: None,
            kind,
        }
    }

    fn at(now_ms: u64) -> Context {
        Context {
            now_ms,
            ..Context::default()
        }
    }

    fn prompt() -> HookEvent {
        ev(EventKind::UserPromptSubmit {
            system_injected: false,
        })
    }

    fn injected() -> HookEvent {
        ev(EventKind::UserPromptSubmit {
            system_injected: true,
        })
    }

    fn stop(msg: &str) -> HookEvent {
        ev(EventKind::Stop {
            stop_hook_active: false,
            last_assistant_message: Some(msg.into()),
            background_running: 0,
        })
    }

    fn notification(t: NotificationType) -> HookEvent {
        ev(EventKind::Notification {
            notification_type: t,
            message: Some("Claude needs your permission to use Bash".into()),
        })
    }

    fn tool_ok() -> HookEvent {
        ev(EventKind::PostToolUse {
            tool_name: "Bash".into(),
        })
    }

    fn tool_failed() -> HookEvent {
        ev(EventKind::PostToolUseFailure {
            tool_name: "Bash".into(),
            error: Some("Exit code 2".into()),
            is_interrupt: false,
        })
    }

    fn end(reason: EndReason) -> HookEvent {
        ev(EventKind::SessionEnd { reason })
    }

    /// Steps through `(time in s, event)` pairs, returning the final state and all actions.
    fn run(
        events: &[(u64, HookEvent)],
        cfg: &EngineConfig,
        ctx: impl Fn(u64) -> Context,
    ) -> (SessionState, Vec<Action>) {
        let mut state = SessionState::default();
        let mut all = Vec::new();
        for (t, e) in events {
            let (s, a) = step(state, e, &ctx(t * 1000), cfg);
            state = s;
            all.extend(a);
        }
        (state, all)
    }

    fn plans(actions: &[Action]) -> Vec<&PushPlan> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Schedule(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    fn cancels(actions: &[Action]) -> Vec<u64> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Cancel { push_id, .. } => Some(*push_id),
                _ => None,
            })
            .collect()
    }

    fn records(actions: &[Action]) -> Vec<DecisionKind> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Record { decision, .. } => Some(*decision),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn stop_schedules_done_with_the_bands_delay_for_the_turn_length() {
        let cfg = EngineConfig::default();
        let (state, actions) = run(&[(0, prompt()), (125, stop("All tests pass."))], &cfg, at);
        let p = plans(&actions);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].notification.kind, Kind::Done);
        assert_eq!(p[0].notification.title, "proj — done in 2m 05s");
        assert_eq!(p[0].notification.body, "All tests pass.");
        assert_eq!(p[0].notification.session_id.as_deref(), Some("s1"));
        assert_eq!(p[0].notification.timestamp, Some(125));
        assert_eq!(p[0].delay, Duration::from_secs(10));
        assert!(p[0].presence_checked);
        let pending = state.pending.expect("pending");
        assert_eq!((pending.id, pending.fire_at_ms), (p[0].id, 135_000));
    }

    #[test]
    fn stop_without_a_known_turn_counts_as_zero_length() {
        let (_, actions) = run(&[(50, stop("hi"))], &EngineConfig::default(), at);
        assert_eq!(plans(&actions)[0].delay, Duration::from_secs(20));
        assert_eq!(plans(&actions)[0].notification.title, "proj — done");
    }

    #[test]
    fn a_human_prompt_cancels_the_pending_push_and_starts_a_turn() {
        let cfg = EngineConfig::default();
        let (state, actions) = run(&[(0, prompt()), (5, stop("x")), (8, prompt())], &cfg, at);
        let id = plans(&actions)[0].id;
        assert_eq!(cancels(&actions), [id]);
        assert_eq!(state.pending, None);
        assert_eq!(state.turn.and_then(|t| t.started_ms), Some(8000));
    }

    #[test]
    fn an_injected_prompt_continues_the_turn_and_keeps_the_pending_push() {
        let cfg = EngineConfig::default();
        let (state, actions) = run(
            &[
                (0, prompt()),
                (1, tool_failed()),
                (5, stop("x")),
                (6, injected()),
            ],
            &cfg,
            at,
        );
        assert!(cancels(&actions).is_empty());
        assert!(state.pending.is_some());
        let turn = state.turn.expect("turn");
        assert_eq!((turn.started_ms, turn.tool_failures), (Some(0), 1));
        assert!(turn.is_open());
    }

    #[test]
    fn a_stop_with_background_tasks_is_a_pause_not_an_end() {
        let cfg = EngineConfig::default();
        let paused = ev(EventKind::Stop {
            stop_hook_active: false,
            last_assistant_message: Some("launched".into()),
            background_running: 1,
        });
        let (state, actions) = run(&[(0, prompt()), (5, paused)], &cfg, at);
        assert!(plans(&actions).is_empty());
        assert!(state.turn.expect("turn").is_open());
    }

    #[test]
    fn a_failed_last_tool_makes_an_error_pushed_at_once() {
        let cfg = EngineConfig::default();
        let (_, actions) = run(
            &[(0, prompt()), (1, tool_failed()), (2, stop("no luck"))],
            &cfg,
            at,
        );
        let p = plans(&actions)[0];
        assert_eq!(p.notification.kind, Kind::Error);
        assert_eq!(p.notification.title, "proj — error: last tool call failed");
        assert_eq!(p.delay, Duration::ZERO);
    }

    #[test]
    fn recovered_failures_keep_it_done_but_are_mentioned() {
        let cfg = EngineConfig::default();
        let (_, actions) = run(
            &[
                (0, prompt()),
                (1, tool_failed()),
                (2, tool_failed()),
                (3, tool_ok()),
                (4, stop("fixed")),
            ],
            &cfg,
            at,
        );
        let n = &plans(&actions)[0].notification;
        assert_eq!(n.kind, Kind::Done);
        assert_eq!(n.body, "2 tool calls failed along the way.\n\nfixed");
    }

    #[test]
    fn batch_tool_use_errors_count_and_decide_the_last_round() {
        let cfg = EngineConfig::default();
        let call = |err| BatchCall {
            tool_name: "Bash".into(),
            tool_use_error: err,
        };
        let batch = |calls| ev(EventKind::PostToolBatch { calls });
        // A refused call in the final round: error, one failure.
        let (_, a) = run(
            &[
                (0, prompt()),
                (1, tool_ok()),
                (1, batch(vec![call(false), call(true)])),
                (2, stop("x")),
            ],
            &cfg,
            at,
        );
        assert_eq!(plans(&a)[0].notification.kind, Kind::Error);
        // A failure in an earlier round, a clean final round with a success after a failure in it.
        let (s, a) = run(
            &[
                (0, prompt()),
                (1, batch(vec![call(true)])),
                (2, tool_failed()),
                (2, tool_ok()),
                (2, batch(vec![call(false), call(false)])),
                (3, stop("x")),
            ],
            &cfg,
            at,
        );
        assert_eq!(s.turn.expect("turn").tool_failures, 2);
        assert_eq!(
            plans(&a)[0].notification.kind,
            Kind::Error,
            "a call of the final round failed"
        );
        let (_, a) = run(
            &[
                (0, prompt()),
                (1, batch(vec![call(true)])),
                (2, tool_ok()),
                (2, batch(vec![call(false)])),
                (3, stop("x")),
            ],
            &cfg,
            at,
        );
        assert_eq!(plans(&a)[0].notification.kind, Kind::Done);
    }

    #[test]
    fn subagent_tool_failures_do_not_count_for_the_turn() {
        let mut failed = tool_failed();
        failed.agent_id = Some("a1".into());
        let (_, a) = run(
            &[(0, prompt()), (1, failed), (2, stop("x"))],
            &EngineConfig::default(),
            at,
        );
        assert_eq!(plans(&a)[0].notification.kind, Kind::Done);
    }

    #[test]
    fn stop_hook_continuation_does_not_push_twice() {
        let cfg = EngineConfig::default();
        let again = ev(EventKind::Stop {
            stop_hook_active: true,
            last_assistant_message: Some("really done".into()),
            background_running: 0,
        });
        let (mut state, a) = run(&[(0, prompt()), (100, stop("done"))], &cfg, at);
        let id = plans(&a)[0].id;
        // Still pending: the continuation replaces it, so only one is ever sent.
        let (s, a) = step(state.clone(), &again, &at(110_000), &cfg);
        assert_eq!(cancels(&a), [id]);
        assert_eq!(plans(&a)[0].notification.body, "really done");
        assert_eq!(s.pending.map(|p| p.id), Some(plans(&a)[0].id));
        // Already delivered: nothing more.
        mark_delivered(&mut state, id, Kind::Done, 120_000);
        let (s, a) = step(state, &again, &at(200_000), &cfg);
        assert!(plans(&a).is_empty());
        assert_eq!(s.pending, None);
    }

    #[test]
    fn stop_failure_pushes_the_error_in_words_at_once() {
        let failure = ev(EventKind::StopFailure {
            error: StopError::RateLimit,
            last_assistant_message: Some("API Error: Request rejected (429)".into()),
        });
        let (s, a) = run(&[(0, prompt()), (3, failure)], &EngineConfig::default(), at);
        let p = plans(&a)[0];
        assert_eq!(p.notification.kind, Kind::Error);
        assert_eq!(p.notification.title, "proj — error: rate limited");
        assert_eq!(p.notification.body, "API Error: Request rejected (429)");
        assert_eq!(p.delay, Duration::ZERO);
        assert!(!s.turn.expect("turn").is_open());
    }

    #[test]
    fn permission_prompt_needs_input_and_any_later_event_cancels_it() {
        let cfg = EngineConfig::default();
        let (s, a) = run(
            &[
                (0, prompt()),
                (70, notification(NotificationType::PermissionPrompt)),
            ],
            &cfg,
            at,
        );
        let p = plans(&a)[0];
        assert_eq!(p.notification.kind, Kind::NeedsInput);
        assert_eq!(p.notification.title, "proj — needs your input");
        assert_eq!(p.delay, Duration::from_secs(15), "70 s into the turn");
        assert!(p.presence_checked);
        let id = p.id;
        // A repeated notification keeps it.
        let (s, a) = step(
            s,
            &notification(NotificationType::PermissionPrompt),
            &at(80_000),
            &cfg,
        );
        assert!(cancels(&a).is_empty() && plans(&a).is_empty());
        assert_eq!(s.pending.as_ref().map(|p| p.id), Some(id));
        // The dialog was answered: the tool ran.
        let (s, a) = step(s, &tool_ok(), &at(81_000), &cfg);
        assert_eq!(cancels(&a), [id]);
        assert_eq!(s.pending, None);
    }

    #[test]
    fn elicitation_dialogs_need_input_and_other_notifications_do_not() {
        let cfg = EngineConfig::default();
        for t in [
            NotificationType::ElicitationDialog,
            NotificationType::ElicitationUrlDialog,
        ] {
            let (_, a) = run(&[(0, prompt()), (1, notification(t))], &cfg, at);
            assert_eq!(plans(&a)[0].notification.kind, Kind::NeedsInput);
        }
        let (s, a) = run(
            &[
                (0, prompt()),
                (
                    1,
                    notification(NotificationType::Other("auth_success".into())),
                ),
            ],
            &cfg,
            at,
        );
        assert!(a.is_empty());
        assert_eq!(s.pending, None);
    }

    #[test]
    fn idle_prompt_pushes_only_when_the_turn_got_no_push() {
        let cfg = EngineConfig::default();
        let idle = || notification(NotificationType::IdlePrompt);
        // Done pending: idle adds nothing.
        let (mut s, a) = run(&[(0, prompt()), (5, stop("x")), (15, idle())], &cfg, at);
        assert_eq!(plans(&a).len(), 1);
        // Done delivered: idle adds nothing.
        let id = plans(&a)[0].id;
        mark_delivered(&mut s, id, Kind::Done, 25_000);
        let (_, a) = step(s, &idle(), &at(85_000), &cfg);
        assert!(plans(&a).is_empty());
        // Done rate limited (no push for the turn): idle asks for input.
        let mut s = SessionState {
            last_done_push_ms: Some(4_000),
            ..SessionState::default()
        };
        let (s2, a) = step(s.clone(), &prompt(), &at(0), &cfg);
        s = s2;
        assert!(a.is_empty());
        let (s, a) = step(s, &stop("x"), &at(5_000), &cfg);
        assert_eq!(records(&a), [DecisionKind::RateLimited]);
        let (_, a) = step(s, &idle(), &at(65_000), &cfg);
        assert_eq!(plans(&a)[0].notification.kind, Kind::NeedsInput);
    }

    #[test]
    fn subagents_never_push_by_default() {
        let mut cfg = EngineConfig::default();
        let sub = |t: &str| {
            ev(EventKind::SubagentStop {
                agent_type: t.into(),
                last_assistant_message: Some("Subagent finished.".into()),
            })
        };
        let start = ev(EventKind::SubagentStart {
            agent_type: "general-purpose".into(),
        });
        let (_, a) = run(
            &[
                (0, prompt()),
                (1, start),
                (2, sub("general-purpose")),
                (3, sub("")),
            ],
            &cfg,
            at,
        );
        assert!(a.is_empty());
        cfg.subagent_pushes = true;
        let (_, a) = run(&[(0, prompt()), (2, sub(""))], &cfg, at);
        assert!(a.is_empty(), "compaction agents never push");
        let (_, a) = run(&[(0, prompt()), (2, sub("general-purpose"))], &cfg, at);
        assert_eq!(
            plans(&a)[0].notification.title,
            "proj — general-purpose agent finished"
        );
    }

    #[test]
    fn done_pushes_are_rate_limited_but_errors_are_not() {
        let cfg = EngineConfig::default();
        let (mut s, a) = run(&[(0, prompt()), (400, stop("a"))], &cfg, at);
        let first = plans(&a)[0].id;
        assert_eq!(fire_check(&s, first, 400_000, &cfg), FireVerdict::Fire);
        mark_delivered(&mut s, first, Kind::Done, 400_000);
        assert_eq!(s.last_done_push_ms, Some(400_000));
        let (s, a) = step(s, &prompt(), &at(401_000), &cfg);
        assert!(a.is_empty());
        let (s, a) = step(s, &stop("b"), &at(402_000), &cfg);
        assert_eq!(records(&a), [DecisionKind::RateLimited]);
        assert!(plans(&a).is_empty());
        let (s, a) = step(s, &prompt(), &at(403_000), &cfg);
        assert!(a.is_empty());
        let (_, a) = run_from(s, &[(403, tool_failed()), (404, stop("c"))], &cfg);
        assert_eq!(plans(&a)[0].notification.kind, Kind::Error);
    }

    fn run_from(
        mut state: SessionState,
        events: &[(u64, HookEvent)],
        cfg: &EngineConfig,
    ) -> (SessionState, Vec<Action>) {
        let mut all = Vec::new();
        for (t, e) in events {
            let (s, a) = step(state, e, &at(t * 1000), cfg);
            state = s;
            all.extend(a);
        }
        (state, all)
    }

    #[test]
    fn fire_check_rechecks_the_rate_limit_and_supersession() {
        let cfg = EngineConfig::default();
        let (mut s, a) = run(&[(0, prompt()), (1, stop("x"))], &cfg, at);
        let id = plans(&a)[0].id;
        assert_eq!(
            fire_check(&s, id + 1, 21_000, &cfg),
            FireVerdict::Superseded
        );
        // Another Done of this session went out meanwhile (e.g. a concurrent deliverer).
        s.last_done_push_ms = Some(19_000);
        assert_eq!(fire_check(&s, id, 21_000, &cfg), FireVerdict::RateLimited);
        assert_eq!(fire_check(&s, id, 24_000, &cfg), FireVerdict::Fire);
        mark_dropped(&mut s, id);
        assert_eq!(s.pending, None);
        assert_eq!(fire_check(&s, id, 24_000, &cfg), FireVerdict::Superseded);
    }

    #[test]
    fn attach_deliverer_only_touches_the_pending_push() {
        let (mut s, a) = run(
            &[(0, prompt()), (1, stop("x"))],
            &EngineConfig::default(),
            at,
        );
        let id = plans(&a)[0].id;
        let who = ProcessRef {
            pid: 42,
            start_time: 7,
        };
        attach_deliverer(&mut s, id + 1, who);
        assert_eq!(s.pending.as_ref().and_then(|p| p.deliverer), None);
        attach_deliverer(&mut s, id, who);
        assert_eq!(s.pending.as_ref().and_then(|p| p.deliverer), Some(who));
        let (_, a) = step(s, &prompt(), &at(2_000), &EngineConfig::default());
        assert_eq!(
            a,
            [Action::Cancel {
                push_id: id,
                deliverer: Some(who),
                reason: "new prompt: the user is at the keyboard".into()
            }]
        );
    }

    #[test]
    fn silenced_and_headless_sessions_get_no_push() {
        let cfg = EngineConfig::default();
        let events = [(0, prompt()), (1, stop("x"))];
        let (s, a) = run(&events, &cfg, |now_ms| Context {
            now_ms,
            silenced: true,
            ..Context::default()
        });
        assert!(plans(&a).is_empty() && s.pending.is_none());
        assert!(a.contains(&Action::Record {
            decision: DecisionKind::Suppressed,
            kind: Some(Kind::Done),
            reason: "project silenced by .no-pushover/.cc-notify-off".into()
        }));
        let headless = |now_ms| Context {
            now_ms,
            headless: true,
            ..Context::default()
        };
        let (_, a) = run(&events, &cfg, headless);
        assert_eq!(records(&a), [DecisionKind::Suppressed]);
        let notify = EngineConfig {
            headless: HeadlessPolicy::Notify,
            ..EngineConfig::default()
        };
        let (_, a) = run(&events, &notify, headless);
        assert_eq!(plans(&a).len(), 1);
    }

    #[test]
    fn session_end_by_the_user_cancels_other_ends_let_the_push_complete() {
        let cfg = EngineConfig::default();
        for reason in [
            EndReason::Clear,
            EndReason::PromptInputExit,
            EndReason::Logout,
        ] {
            let (s, a) = run(&[(0, prompt()), (1, stop("x")), (2, end(reason))], &cfg, at);
            let id = plans(&a)[0].id;
            assert_eq!(cancels(&a), [id]);
            assert_eq!(a.last(), Some(&Action::Forget));
            assert_eq!(s.pending, None);
        }
        for reason in [EndReason::Other("other".into()), EndReason::Resume] {
            let (s, a) = run(&[(0, prompt()), (1, stop("x")), (2, end(reason))], &cfg, at);
            assert!(cancels(&a).is_empty());
            assert_eq!(a.last(), Some(&Action::Forget));
            assert!(s.pending.is_some());
        }
    }

    #[test]
    fn an_api_error_without_stop_shows_at_session_end() {
        let cfg = EngineConfig::default();
        let (s, _) = run(&[(0, prompt()), (1, tool_ok())], &cfg, at);
        let e = end(EndReason::Other("other".into()));
        assert!(wants_transcript(&s, &e));
        assert!(!wants_transcript(&s, &end(EndReason::Clear)));
        let facts = TranscriptFacts {
            api_error: Some("API Error: 500 boom".into()),
            ..TranscriptFacts::default()
        };
        let ctx = Context {
            now_ms: 3_000,
            transcript: Some(facts),
            ..Context::default()
        };
        let (_, a) = step(s.clone(), &e, &ctx, &cfg);
        let p = plans(&a)[0];
        assert_eq!(p.notification.kind, Kind::Error);
        assert_eq!(p.notification.title, "proj — error: API error");
        assert_eq!(p.notification.body, "API Error: 500 boom");
        assert_eq!(p.delay, Duration::ZERO);
        assert_eq!(a.last(), Some(&Action::Forget));
        // No error in the transcript: nothing to say.
        let (_, a) = step(s, &e, &at(3_000), &cfg);
        assert_eq!(a, [Action::Forget]);
    }

    #[test]
    fn wants_transcript_only_when_the_payload_lacks_the_reply() {
        let s = SessionState::default();
        assert!(!wants_transcript(&s, &stop("reply")));
        let bare = ev(EventKind::Stop {
            stop_hook_active: false,
            last_assistant_message: None,
            background_running: 0,
        });
        assert!(wants_transcript(&s, &bare));
        assert!(
            !wants_transcript(&s, &end(EndReason::Other("other".into()))),
            "no turn open"
        );
        let ctx = Context {
            now_ms: 1_000,
            transcript: Some(TranscriptFacts {
                final_reply: Some("from the file".into()),
                ..TranscriptFacts::default()
            }),
            ..Context::default()
        };
        let (_, a) = step(s, &bare, &ctx, &EngineConfig::default());
        assert_eq!(plans(&a)[0].notification.body, "from the file");
    }

    #[test]
    fn a_new_push_replaces_the_pending_one() {
        let cfg = EngineConfig::default();
        let failure = ev(EventKind::StopFailure {
            error: StopError::Overloaded,
            last_assistant_message: None,
        });
        let (s, a) = run(
            &[(0, prompt()), (1, stop("x")), (2, injected()), (3, failure)],
            &cfg,
            at,
        );
        let p = plans(&a);
        assert_eq!(p.len(), 2);
        assert_eq!(cancels(&a), [p[0].id]);
        assert_eq!(s.pending.map(|x| x.id), Some(p[1].id));
        assert!(p[1].id > p[0].id);
    }

    #[test]
    fn a_prompt_queued_into_the_running_turn_keeps_its_start_and_failures() {
        let cfg = EngineConfig::default();
        let (state, _) = run(
            &[
                (0, prompt()),
                (10, tool_failed()),
                (20, prompt()),
                (200, stop("done")),
            ],
            &cfg,
            at,
        );
        let turn = state.turn.expect("turn kept");
        assert_eq!(
            turn.started_ms,
            Some(0),
            "the queued prompt must not restart the turn"
        );
        assert_eq!(turn.tool_failures, 1);
    }
}
