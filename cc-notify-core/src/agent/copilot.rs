//! The GitHub Copilot CLI adapter: its hook JSON (`.github/hooks/*.json` or `settings.json`).
//!
//! What Copilot CLI gives, and what it does not (1.0.102, observed):
//! * camelCase events (`agentStop`, `userPromptSubmitted`, …) carry camelCase fields and **no
//!   event name**: the event is told by its fields. PascalCase events (`Stop`, …) carry Claude
//!   Code's snake_case fields with `hook_event_name`.
//! * Turn end: `agentStop` (and `Stop`, if registered too: both fire). Neither has the reply:
//!   it is the last `assistant.message` in the session file the payload names
//!   (`transcriptPath`, `…/session-state/<id>/events.jsonl`): [`last_reply`] reads it.
//! * Needs input: `notification` with `permission_prompt` (or `elicitation_dialog`).
//!   `permissionRequest` fires before every tool call, even under `--allow-all-tools`, so it is
//!   not a sign that anyone is asked: it is [`EventKind::PermissionAsked`], no push.
//! * Errors: `errorOccurred` once per retry (`recoverable:true`: a notice), then `sessionEnd`
//!   with `reason:"error"`, which ends the turn on an API error. A failing shell command is a
//!   `postToolUse` with `resultType:"success"` (its exit code is only in the text): a failure
//!   is reported only when Copilot says so (`postToolUseFailure`, another `resultType`).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::ParseError;
use super::json::{child, flag, object, path, required, string, text};
use crate::event::{Agent, ApiErrorKind, EndReason, Event, EventKind, InputNeed};

/// The top-level fields [`parse`] reads.
pub const READ_FIELDS: &[&str] = &[
    "hook_event_name",
    "hookName",
    "session_id",
    "sessionId",
    "cwd",
    "transcriptPath",
    "transcript_path",
    "source",
    "initialPrompt",
    "prompt",
    "toolName",
    "toolArgs",
    "toolResult",
    "error",
    "errorContext",
    "recoverable",
    "stopReason",
    "stop_reason",
    "stop_hook_active",
    "reason",
    "notificationType",
    "notification_type",
    "message",
];

/// How much of the end of a session file [`read_reply`] reads.
pub const SESSION_TAIL: u64 = 256 * 1024;

/// Parses one Copilot CLI hook JSON document.
///
/// ```
/// use cc_notify_core::agent::copilot;
/// use cc_notify_core::event::EventKind;
/// let ev = copilot::parse(br#"{"sessionId":"s","timestamp":1,"cwd":"/p",
///     "transcriptPath":"/h/session-state/s/events.jsonl","stopReason":"end_turn"}"#).unwrap();
/// assert!(matches!(ev.kind, EventKind::TurnEnded { reply: None, .. }));
/// ```
pub fn parse(input: &[u8]) -> Result<Event, ParseError> {
    let map = object(input)?;
    let (name, session_id) = match string(&map, "hook_event_name") {
        Some(pascal) => (pascal, required(&map, "session_id")?),
        None => (camel_event(&map).to_owned(), required(&map, "sessionId")?),
    };
    let tool_name = || string(&map, "toolName").unwrap_or_default();
    let kind = match name.as_str() {
        "sessionStart" | "SessionStart" => EventKind::SessionStarted {
            source: string(&map, "source"),
        },
        "userPromptSubmitted" | "UserPromptSubmit" => EventKind::TurnStarted,
        "preToolUse" => EventKind::ToolStarting {
            tool_name: tool_name(),
        },
        "permissionRequest" => EventKind::PermissionAsked {
            tool_name: tool_name(),
        },
        "postToolUse" => match tool_result_failure(&map) {
            Some(error) => EventKind::ToolFailed {
                tool_name: tool_name(),
                error: Some(error),
                interrupted: false,
            },
            None => EventKind::ToolSucceeded {
                tool_name: tool_name(),
            },
        },
        "postToolUseFailure" => EventKind::ToolFailed {
            tool_name: tool_name(),
            error: error_message(&map),
            interrupted: false,
        },
        "errorOccurred" if flag(&map, "recoverable") => EventKind::Notice {
            what: "error (retrying)".to_owned(),
            message: error_message(&map),
        },
        "errorOccurred" => EventKind::ApiError {
            error: ApiErrorKind::Other(string(&map, "errorContext").unwrap_or_default()),
            message: error_message(&map),
        },
        "agentStop" | "Stop" => EventKind::TurnEnded {
            reply: None,
            after_blocked_end: flag(&map, "stop_hook_active"),
            background_running: 0,
        },
        "sessionEnd" | "SessionEnd" => match string(&map, "reason").as_deref() {
            Some("error") => EventKind::ApiError {
                error: ApiErrorKind::Other("error".to_owned()),
                message: None,
            },
            Some("user_exit") => EventKind::SessionEnded {
                reason: EndReason::Exited,
            },
            other => EventKind::SessionEnded {
                reason: EndReason::Other(other.unwrap_or("other").to_owned()),
            },
        },
        "notification" | "Notification" => notification(&map),
        _ => EventKind::Unknown,
    };
    let mut event = Event::new(Agent::Copilot, name, session_id, kind);
    event.cwd = path(&map, "cwd");
    Ok(event)
}

/// The session file a turn end names (`transcriptPath`), where [`read_reply`] finds the reply.
pub fn session_file(input: &[u8]) -> Option<PathBuf> {
    let map = object(input).ok()?;
    path(&map, "transcriptPath").or_else(|| path(&map, "transcript_path"))
}

/// The camelCase event a payload without `hook_event_name` is, told by its fields.
fn camel_event(map: &Map<String, Value>) -> &'static str {
    let has = |k: &str| map.contains_key(k);
    if let Some(hook) = map.get("hookName").and_then(Value::as_str) {
        return match hook {
            "permissionRequest" => "permissionRequest",
            "notification" => "notification",
            _ => "unknown",
        };
    }
    if has("stopReason") {
        "agentStop"
    } else if has("errorContext") || (has("error") && !has("toolName")) {
        "errorOccurred"
    } else if has("toolResult") {
        "postToolUse"
    } else if has("toolName") && has("error") {
        "postToolUseFailure"
    } else if has("toolName") {
        "preToolUse"
    } else if has("notificationType") || has("notification_type") {
        "notification"
    } else if has("initialPrompt") || has("source") {
        "sessionStart"
    } else if has("prompt") {
        "userPromptSubmitted"
    } else if has("reason") {
        "sessionEnd"
    } else {
        "unknown"
    }
}

/// A `notification`: `permission_prompt` and `elicitation_dialog` wait for the user.
fn notification(map: &Map<String, Value>) -> EventKind {
    let what = string(map, "notificationType")
        .or_else(|| string(map, "notification_type"))
        .unwrap_or_default();
    let message = text(map, "message");
    let need = match what.as_str() {
        "permission_prompt" => InputNeed::Permission,
        "elicitation_dialog" => InputNeed::Question,
        "agent_idle" => InputNeed::Idle,
        _ => return EventKind::Notice { what, message },
    };
    EventKind::NeedsInput { need, message }
}

/// A `postToolUse` whose `toolResult.resultType` is not `success`.
fn tool_result_failure(map: &Map<String, Value>) -> Option<String> {
    let result = child(map, "toolResult")?;
    let kind = string(result, "resultType")?;
    (kind != "success").then(|| format!("tool result: {kind}"))
}

/// `error.message`, or `error` when it is a string.
fn error_message(map: &Map<String, Value>) -> Option<String> {
    match map.get("error")? {
        Value::String(s) => Some(s.clone()).filter(|s| !s.is_empty()),
        Value::Object(o) => text(o, "message"),
        _ => None,
    }
}

/// The reply of the last turn in a Copilot session file's text: the `data.content` of its last
/// `assistant.message` with text. A first line cut off by the reader is skipped.
///
/// ```
/// let file = concat!(
///     r#"{"type":"assistant.message","data":{"content":"","toolRequests":[{}]}}"#, "\n",
///     r#"{"type":"assistant.message","data":{"content":"All done."}}"#, "\n",
///     r#"{"type":"assistant.turn_end","data":{"turnId":"1"}}"#, "\n");
/// assert_eq!(cc_notify_core::agent::copilot::last_reply(file).as_deref(), Some("All done."));
/// ```
pub fn last_reply(events: &str) -> Option<String> {
    events.lines().rev().find_map(|line| {
        if !line.contains("\"assistant.message\"") {
            return None;
        }
        let map = object(line.as_bytes()).ok()?;
        if string(&map, "type").as_deref() != Some("assistant.message") {
            return None;
        }
        text(child(&map, "data")?, "content")
    })
}

/// Reads the reply from the last [`SESSION_TAIL`] bytes of a session file; `None` when the
/// file cannot be read or holds no reply there.
pub fn read_reply(file: &Path) -> Option<String> {
    let mut f = File::open(file).ok()?;
    let len = f.metadata().ok()?.len();
    let start = len.saturating_sub(SESSION_TAIL);
    f.seek(SeekFrom::Start(start)).ok()?;
    let mut buf = Vec::new();
    f.take(SESSION_TAIL).read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    // A tail that starts mid-line: its first line is a fragment.
    let text = if start > 0 {
        text.split_once('\n').map_or("", |(_, rest)| rest)
    } else {
        &text
    };
    last_reply(text)
}
