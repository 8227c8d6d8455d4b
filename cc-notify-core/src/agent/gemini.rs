//! The Gemini CLI adapter: its hook JSON (`~/.gemini/settings.json`, own event names).
//!
//! What Gemini CLI gives, and what it does not (0.61.0, observed):
//! * Turn start: `BeforeAgent`; turn end: `AfterAgent`, the reply in `prompt_response`.
//! * Needs input: `Notification` with `notification_type:"ToolPermission"` when the TUI opens
//!   an approval dialog (observe-only: it cannot answer). `-p` never asks.
//! * Errors: no hook. A failed turn (the API keeps failing) shows as a `BeforeAgent` with no
//!   `AfterAgent`, then `SessionEnd`; nothing is pushed for it. A failing shell command is an
//!   `AfterTool` whose `tool_response.llmContent` carries `Exit Code: N` (only when non-zero),
//!   or whose `tool_response.error` is set.
//! * `SessionEnd` has `reason:"exit"` both for `/quit` and for the end of a `-p` run, so it is
//!   not taken as the user being at the keyboard.
//! * Its transcript is not in Claude Code's format: never handed on.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::ParseError;
use super::json::{child, flag, hook_object, path, session_started, string, text};
use crate::event::{Agent, EndReason, Event, EventKind, InputNeed};

/// The top-level fields [`parse`] reads (`tool_response` for a shell command's exit code).
pub const READ_FIELDS: &[&str] = &[
    "session_id",
    "hook_event_name",
    "cwd",
    "source",
    "tool_name",
    "tool_response",
    "prompt_response",
    "stop_hook_active",
    "notification_type",
    "message",
    "details",
    "trigger",
    "reason",
];

/// The hook event names only Gemini CLI uses.
pub const OWN_EVENTS: &[&str] = &[
    "BeforeAgent",
    "AfterAgent",
    "BeforeModel",
    "AfterModel",
    "BeforeToolSelection",
    "BeforeTool",
    "AfterTool",
    "PreCompress",
];

/// Parses one Gemini CLI hook JSON document.
///
/// ```
/// use cc_notify_core::agent::gemini;
/// use cc_notify_core::event::EventKind;
/// let ev = gemini::parse(br#"{"session_id":"s","hook_event_name":"AfterAgent",
///     "prompt":"hi","prompt_response":"Hello."}"#).unwrap();
/// assert!(matches!(ev.kind, EventKind::TurnEnded { reply: Some(r), .. } if r == "Hello."));
/// ```
pub fn parse(input: &[u8]) -> Result<Event, ParseError> {
    let (map, name, session_id) = hook_object(input)?;
    let tool_name = || string(&map, "tool_name").unwrap_or_default();
    let kind = match name.as_str() {
        "SessionStart" => session_started(&map),
        "BeforeAgent" => EventKind::TurnStarted,
        "BeforeTool" => EventKind::ToolStarting {
            tool_name: tool_name(),
        },
        "AfterTool" => match tool_error(&map) {
            Some(error) => EventKind::ToolFailed {
                tool_name: tool_name(),
                error: Some(error),
                interrupted: false,
            },
            None => EventKind::ToolSucceeded {
                tool_name: tool_name(),
            },
        },
        "AfterAgent" => EventKind::TurnEnded {
            reply: text(&map, "prompt_response"),
            after_blocked_end: flag(&map, "stop_hook_active"),
            background_running: 0,
        },
        "Notification" => notification(&map),
        "PreCompress" => EventKind::Compacting {
            trigger: string(&map, "trigger"),
        },
        "SessionEnd" => EventKind::SessionEnded {
            reason: match string(&map, "reason").as_deref() {
                Some("clear") => EndReason::Cleared,
                Some("logout") => EndReason::LoggedOut,
                Some("prompt_input_exit") => EndReason::Exited,
                other => EndReason::Other(other.unwrap_or("other").to_owned()),
            },
        },
        _ => EventKind::Unknown,
    };
    let name = match OWN_EVENTS
        .iter()
        .chain(&["SessionStart", "Notification", "SessionEnd"])
        .find(|k| **k == name)
    {
        Some(k) => Cow::Borrowed(*k),
        None => Cow::Owned(name),
    };
    let mut event = Event::new(Agent::Gemini, name, session_id, kind);
    event.cwd = path(&map, "cwd");
    Ok(event)
}

/// `ToolPermission` is a question (what is asked: the command, when it is one); anything else
/// needs no answer.
fn notification(map: &Map<String, Value>) -> EventKind {
    let what = string(map, "notification_type").unwrap_or_default();
    let message = text(map, "message");
    if what == "ToolPermission" {
        let command = child(map, "details").and_then(|d| text(d, "command"));
        EventKind::NeedsInput {
            need: InputNeed::Permission,
            message: command.or(message),
        }
    } else {
        EventKind::Notice { what, message }
    }
}

/// The error of a failed tool: its `error`, or the non-zero exit code of a shell command.
fn tool_error(map: &Map<String, Value>) -> Option<String> {
    let response = child(map, "tool_response")?;
    match response.get("error") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.is_empty() => {}
        Some(Value::String(s)) => return Some(s.clone()),
        Some(Value::Object(o)) => {
            return Some(text(o, "message").unwrap_or_else(|| "tool error".to_owned()));
        }
        Some(_) => return Some("tool error".to_owned()),
    }
    let content = response.get("llmContent").and_then(Value::as_str)?;
    content
        .lines()
        .find_map(|l| l.trim().strip_prefix("Exit Code: "))
        .filter(|code| code.trim() != "0")
        .map(|code| format!("Exit code {}", code.trim()))
}
