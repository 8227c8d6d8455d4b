//! [`step`]: one event and the session's state in, the new state and the [`Action`]s out. It
//! dispatches each kind of event to a short function of its own.

use std::time::Duration;

use crate::decision::DecisionKind;
use crate::event::{EndReason, Event, EventKind, InputNeed, ToolCall};
use crate::notification::{Kind, Notification};
use crate::outcome::TurnSignals;
use crate::render;
use crate::state::{ProgressCursor, SessionState, Turn};

use super::push::{Push, cancel, needs_input_push, record, schedule, stamp, turn_end_push};
use super::{Action, Context, EngineConfig};

/// Steps a session's state with one event.
pub fn step(
    mut state: SessionState,
    event: &Event,
    ctx: &Context,
    cfg: &EngineConfig,
) -> (SessionState, Vec<Action>) {
    let mut s = Step {
        state: &mut state,
        event,
        ctx,
        cfg,
        actions: Vec::new(),
    };
    // A session that ended and still hears from its agent was resumed.
    s.state.ended = false;
    s.answer_pending_question();
    if cfg.progress {
        s.advance_progress();
    }
    let main = event.is_main();
    match &event.kind {
        EventKind::TurnStarted => s.turn_started(),
        EventKind::TurnContinued => s.turn_continued(),
        EventKind::ToolSucceeded { .. } if main => {
            s.open_turn().last_tool_failed = false;
        }
        EventKind::ToolFailed { .. } if main => s.tool_failed(),
        EventKind::ToolRoundFinished { calls } if main => s.tool_round_finished(calls),
        EventKind::TurnEnded {
            background_running, ..
        } if *background_running > 0 && main => s.turn_paused(*background_running),
        EventKind::TurnEnded {
            after_blocked_end,
            reply,
            ..
        } if main => s.turn_ended(*after_blocked_end, reply.as_deref()),
        EventKind::ApiError { error, message } if main => {
            s.api_error(error.describe(), message.as_deref());
        }
        EventKind::NeedsInput { need, message } => s.needs_input(*need, message.as_deref()),
        EventKind::SubagentEnded { agent_type, reply }
            if cfg.subagent_pushes && !agent_type.is_empty() =>
        {
            s.subagent_ended(agent_type, reply.as_deref());
        }
        EventKind::SessionEnded { reason } => s.session_ended(reason),
        _ => {}
    }
    let actions = s.actions;
    (state, actions)
}

/// One step in progress: what it reads, and the state and actions it builds.
struct Step<'a> {
    state: &'a mut SessionState,
    event: &'a Event,
    ctx: &'a Context,
    cfg: &'a EngineConfig,
    actions: Vec<Action>,
}

impl Step<'_> {
    /// A pending NeedsInput push is answered by anything but another request for attention.
    fn answer_pending_question(&mut self) {
        let attention = matches!(
            self.event.kind,
            EventKind::NeedsInput { .. } | EventKind::Notice { .. }
        );
        if !attention && let Some(p) = self.state.pending.take_if(|p| p.kind() == Kind::NeedsInput)
        {
            let reason = format!("answered ({} followed)", self.event.name());
            self.actions.push(cancel(p, reason));
        }
    }

    /// Progress pushes (on by configuration): the turn end's reply tells the final message
    /// from the intermediate ones.
    fn advance_progress(&mut self) {
        if self.ctx.progress_restarted {
            let seen = std::mem::take(&mut self.state.progress.seen);
            self.state.progress = ProgressCursor {
                seen,
                ..ProgressCursor::default()
            };
        }
        let final_block = match &self.event.kind {
            EventKind::TurnEnded { reply, .. } => reply
                .as_deref()
                .filter(|m| !m.is_empty())
                .or_else(|| self.ctx.transcript.as_ref()?.final_reply.as_deref()),
            _ => None,
        };
        super::progress_step::advance(
            &mut self.state.progress,
            self.event,
            self.ctx,
            self.cfg,
            final_block,
            &mut self.actions,
        );
    }

    /// The turn, reopened if it had stopped (a tool ran: the agent is at work).
    fn open_turn(&mut self) -> &mut Turn {
        let turn = self.state.turn.get_or_insert_with(Turn::default);
        turn.stopped_ms = None;
        turn
    }

    /// A person's prompt: they are at the keyboard.
    fn turn_started(&mut self) {
        if let Some(p) = self.state.pending.take() {
            let reason = "new prompt: the user is at the keyboard".into();
            self.actions.push(cancel(p, reason));
        }
        // A prompt typed while the turn runs is queued into the same turn (Claude Code gives it
        // the running turn's prompt_id, and one Stop follows): keep the turn.
        let turn_id = &self.event.turn_id;
        let queued = self
            .state
            .turn
            .as_ref()
            .is_some_and(|t| t.is_open() && t.prompt_id.is_some() && t.prompt_id == *turn_id);
        if !queued {
            self.state.turn = Some(Turn::started(self.ctx.now_ms, turn_id.clone()));
        }
    }

    /// A prompt the agent injected continues the turn and leaves a pending push alone.
    fn turn_continued(&mut self) {
        let turn = self.state.turn.get_or_insert_with(Turn::default);
        turn.stopped_ms = None;
        turn.push_delivered = false;
        // The continuation's end carries the injected prompt's id.
        if self.event.turn_id.is_some() {
            turn.prompt_id.clone_from(&self.event.turn_id);
        }
    }

    fn tool_failed(&mut self) {
        let turn = self.open_turn();
        turn.tool_failures = turn.tool_failures.saturating_add(1);
        turn.failures_since_batch = turn.failures_since_batch.saturating_add(1);
        turn.last_tool_failed = true;
    }

    /// A round of parallel calls resolved: its refused calls count as failures, and it decides
    /// whether the last round failed.
    fn tool_round_finished(&mut self, calls: &[ToolCall]) {
        let turn = self.open_turn();
        let refused = calls.iter().filter(|c| c.refused).count();
        let refused = u32::try_from(refused).unwrap_or(u32::MAX);
        turn.tool_failures = turn.tool_failures.saturating_add(refused);
        turn.last_tool_failed = refused > 0 || turn.failures_since_batch > 0;
        turn.failures_since_batch = 0;
    }

    /// A turn end with background tasks still running is a pause.
    fn turn_paused(&mut self, background_running: u32) {
        self.open_turn();
        self.actions.push(record(
            DecisionKind::Suppressed,
            None,
            format!("{background_running} background task(s) still running: not done yet"),
        ));
    }

    /// The turn ended: a Done or Error push, once per turn.
    fn turn_ended(&mut self, after_blocked_end: bool, reply: Option<&str>) {
        let turn = self.state.turn.get_or_insert_with(Turn::default);
        turn.stopped_ms = Some(self.ctx.now_ms);
        if after_blocked_end && turn.push_delivered {
            self.actions.push(record(
                DecisionKind::Suppressed,
                None,
                "the turn continued after a Stop hook; its push was already sent".into(),
            ));
            return;
        }
        let facts = self.ctx.transcript.as_ref();
        let turn = turn.clone();
        let signals = TurnSignals {
            api_error: None,
            tool_failures: turn.tool_failures.max(facts.map_or(0, |f| f.tool_failures)),
            last_tool_failed: turn.last_tool_failed || facts.is_some_and(|f| f.last_tool_failed),
        };
        let reply = reply
            .filter(|m| !m.is_empty())
            .or_else(|| facts.and_then(|f| f.final_reply.as_deref()))
            .unwrap_or("");
        let push = turn_end_push(&signals, reply, &turn, self.event, self.ctx, self.cfg);
        self.schedule(push);
    }

    /// The turn ended on an API error: an Error push at once.
    fn api_error(&mut self, what: &str, message: Option<&str>) {
        let turn = self.state.turn.get_or_insert_with(Turn::default).clone();
        if let Some(t) = self.state.turn.as_mut() {
            t.stopped_ms = Some(self.ctx.now_ms);
        }
        let signals = TurnSignals {
            api_error: Some(what.to_owned()),
            tool_failures: turn.tool_failures,
            last_tool_failed: turn.last_tool_failed,
        };
        let reply = message.unwrap_or("");
        let push = turn_end_push(&signals, reply, &turn, self.event, self.ctx, self.cfg);
        self.schedule(push);
    }

    /// The agent waits for the user: a NeedsInput push, unless one is pending, or (for an idle
    /// prompt) the turn already has its push.
    fn needs_input(&mut self, need: InputNeed, message: Option<&str>) {
        let pending_kind = self.state.pending.as_ref().map(|p| p.kind());
        let delivered = self.state.turn.as_ref().is_some_and(|t| t.push_delivered);
        if pending_kind == Some(Kind::NeedsInput) {
            self.actions.push(record(
                DecisionKind::Suppressed,
                Some(Kind::NeedsInput),
                "a needs-input push is already pending".into(),
            ));
        } else if need == InputNeed::Idle && (delivered || pending_kind.is_some()) {
            self.actions.push(record(
                DecisionKind::Suppressed,
                Some(Kind::NeedsInput),
                "idle: a push about this turn is already pending or sent".into(),
            ));
        } else {
            let push = needs_input_push(message, self.state, self.event, self.ctx, self.cfg);
            self.schedule(push);
        }
    }

    /// A named subagent finished (pushed only when the user asked for subagent pushes).
    fn subagent_ended(&mut self, agent_type: &str, reply: Option<&str>) {
        let project = render::project_name(self.event.cwd.as_deref());
        let mut n = Notification::new(
            Kind::Done,
            format!("{project} — {agent_type} agent finished"),
            render::body(reply.unwrap_or(""), self.cfg.redact),
        );
        stamp(&mut n, project, self.event, self.ctx);
        let push = Push {
            notification: n,
            delay: self.cfg.bands.delay(Duration::ZERO, Kind::Done),
            presence_checked: true,
        };
        self.schedule(push);
    }

    /// The session ended: the user's own end cancels the pending push; any other end lets it
    /// complete, and reports an API error that ended an open turn without a turn end (how it
    /// shows in `claude -p`).
    fn session_ended(&mut self, reason: &EndReason) {
        if reason.user_at_keyboard() {
            if let Some(p) = self.state.pending.take() {
                self.actions
                    .push(cancel(p, "session closed by the user".into()));
            }
        } else if let Some(turn) = self.state.turn.clone().filter(Turn::is_open)
            && let Some(facts) = self.ctx.transcript.as_ref()
            && let Some(api_error) = facts.api_error.as_deref()
        {
            let signals = TurnSignals {
                api_error: Some("API error".to_owned()),
                tool_failures: turn.tool_failures.max(facts.tool_failures),
                last_tool_failed: turn.last_tool_failed,
            };
            let push = turn_end_push(&signals, api_error, &turn, self.event, self.ctx, self.cfg);
            self.schedule(push);
        }
        self.state.ended = true;
    }

    fn schedule(&mut self, push: Push) {
        schedule(self.state, push, self.ctx, self.cfg, &mut self.actions);
    }
}
