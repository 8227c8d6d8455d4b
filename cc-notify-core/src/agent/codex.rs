//! The Codex CLI adapter: its hook JSON (`hooks.json`, Claude-like nesting and names) and the
//! JSON its legacy `notify` program receives as its last argument.
//!
//! What Codex gives, and what it does not (Codex CLI 0.171.0, observed):
//! * Turn end: `Stop` with `last_assistant_message`; under `codex exec` also `notify`
//!   (`type:"agent-turn-complete"`, `client:"codex_exec"`).
//! * Needs input: no Notification event; `PermissionRequest` fires when the approval dialog
//!   opens (TUI only: `codex exec` never asks), so it is the needs-input signal. Cancelling the
//!   dialog fires `Interrupt`.
//! * Errors: nothing. A failing command is an ordinary `PostToolUse` whose `tool_response` is
//!   the output text, with no exit code; an API error fires `SessionEnd` with no `Stop`. The push
//!   then says less (a Done with the reply, or nothing), never that a tool failed when it is
//!   not known.
//! * The TUI's `notify` also fires for side threads (the title generator, with its own
//!   `thread-id`): only `codex_exec`'s notify is taken as a turn end; the TUI reports through
//!   its `Stop` hook.
//! * Its transcript (`rollout-*.jsonl`) is not in Claude Code's format: never handed on.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::ParseError;
use super::json::{
    child, flag, hook_object, object, path, required, session_started, string, text,
};
use crate::event::{Agent, EndReason, Event, EventKind, InputNeed};

/// The top-level fields [`parse`] reads.
pub const READ_FIELDS: &[&str] = &[
    "session_id",
    "hook_event_name",
    "cwd",
    "turn_id",
    "source",
    "tool_name",
    "tool_input",
    "stop_hook_active",
    "last_assistant_message",
    "agent_id",
    "agent_type",
    "trigger",
    "reason",
];

/// Parses one Codex hook JSON document (stdin of a `hooks.json` command).
///
/// ```
/// use cc_notify_core::agent::codex;
/// use cc_notify_core::event::EventKind;
/// let ev = codex::parse(br#"{"session_id":"s","turn_id":"t","hook_event_name":"Stop",
///     "last_assistant_message":"Done."}"#).unwrap();
/// assert!(matches!(ev.kind, EventKind::TurnEnded { reply: Some(_), .. }));
/// ```
pub fn parse(input: &[u8]) -> Result<Event, ParseError> {
    let (map, name, session_id) = hook_object(input)?;
    let tool_name = || string(&map, "tool_name").unwrap_or_default();
    let kind = match name.as_str() {
        "SessionStart" => session_started(&map),
        "UserPromptSubmit" => EventKind::TurnStarted,
        "PreToolUse" => EventKind::ToolStarting {
            tool_name: tool_name(),
        },
        "PermissionRequest" => EventKind::NeedsInput {
            need: InputNeed::Permission,
            message: permission_message(&map),
        },
        // Codex reports no failure: the command ran, which is all that is known.
        "PostToolUse" => EventKind::ToolSucceeded {
            tool_name: tool_name(),
        },
        "Stop" => EventKind::TurnEnded {
            reply: text(&map, "last_assistant_message"),
            after_blocked_end: flag(&map, "stop_hook_active"),
            background_running: 0,
        },
        "SubagentStart" => EventKind::SubagentStarted {
            agent_type: string(&map, "agent_type").unwrap_or_default(),
        },
        "SubagentStop" => EventKind::SubagentEnded {
            agent_type: string(&map, "agent_type").unwrap_or_default(),
            reply: text(&map, "last_assistant_message"),
        },
        "PreCompact" => EventKind::Compacting {
            trigger: string(&map, "trigger"),
        },
        "PostCompact" => EventKind::Compacted {
            trigger: string(&map, "trigger"),
        },
        "SessionEnd" => EventKind::SessionEnded {
            reason: end_reason(string(&map, "reason").as_deref().unwrap_or("other")),
        },
        // `Interrupt` (the user pressed Esc or cancelled a dialog) starts nothing and ends
        // nothing; as any event, it answers a pending question.
        _ => EventKind::Unknown,
    };
    let mut event = Event::new(Agent::Codex, known_name(name), session_id, kind);
    event.cwd = path(&map, "cwd");
    event.turn_id = string(&map, "turn_id");
    event.subagent = string(&map, "agent_id");
    Ok(event)
}

/// Parses the JSON `codex exec` hands its `notify` program as the last argument.
///
/// Only `agent-turn-complete` from `codex_exec` is a turn end; anything else (the TUI's side
/// threads, future notification types) is [`EventKind::Unknown`].
///
/// ```
/// use cc_notify_core::agent::codex;
/// use cc_notify_core::event::EventKind;
/// let ev = codex::parse_notify(br#"{"type":"agent-turn-complete","thread-id":"s",
///     "turn-id":"t","client":"codex_exec","last-assistant-message":"Done."}"#).unwrap();
/// assert_eq!(ev.session_id, "s");
/// assert!(matches!(ev.kind, EventKind::TurnEnded { .. }));
/// ```
pub fn parse_notify(input: &[u8]) -> Result<Event, ParseError> {
    let map = object(input)?;
    let kind_name = required(&map, "type")?;
    let session_id = required(&map, "thread-id")?;
    let from_exec = string(&map, "client").as_deref() == Some("codex_exec");
    let kind = if kind_name == "agent-turn-complete" && from_exec {
        EventKind::TurnEnded {
            reply: text(&map, "last-assistant-message"),
            after_blocked_end: false,
            background_running: 0,
        }
    } else {
        EventKind::Unknown
    };
    let mut event = Event::new(
        Agent::Codex,
        format!("notify {kind_name}"),
        session_id,
        kind,
    );
    event.cwd = path(&map, "cwd");
    event.turn_id = string(&map, "turn-id");
    Ok(event)
}

/// The command awaiting approval, with the model's justification when it gave one.
fn permission_message(map: &Map<String, Value>) -> Option<String> {
    let input = child(map, "tool_input")?;
    let command = text(input, "command");
    let why = text(input, "description");
    match (command, why) {
        (Some(c), Some(w)) => Some(format!("{c}\n{w}")),
        (c, w) => c.or(w),
    }
}

/// A `SessionEnd` reason (Codex 0.171.0 sends `other` whatever happened).
fn end_reason(wire: &str) -> EndReason {
    match wire {
        "clear" => EndReason::Cleared,
        "logout" => EndReason::LoggedOut,
        "exit" | "prompt_input_exit" => EndReason::Exited,
        other => EndReason::Other(other.to_owned()),
    }
}

/// The event name as a static string when it is one cc-notify knows.
fn known_name(name: String) -> Cow<'static, str> {
    const KNOWN: &[&str] = &[
        "SessionStart",
        "UserPromptSubmit",
        "PreToolUse",
        "PermissionRequest",
        "PostToolUse",
        "Stop",
        "SubagentStart",
        "SubagentStop",
        "PreCompact",
        "PostCompact",
        "SessionEnd",
        "Interrupt",
    ];
    match KNOWN.iter().find(|k| **k == name) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(name),
    }
}
