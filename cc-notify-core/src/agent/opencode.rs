//! The OpenCode adapter: the events cc-notify's OpenCode plugin hands over.
//!
//! OpenCode has no shell hooks; its plugins receive every bus event in-process. cc-notify's
//! plugin (written by `cc-notify install --agent opencode`) forwards the few that matter, each
//! as the event object OpenCode gave it (`{"type":…, "properties":{…}}`), adding two fields of
//! its own: `reply` on `session.idle` (the text of the session's last assistant message,
//! which it tracks from `message.part.updated`) and `directory` (the project).
//!
//! What OpenCode gives, and what it does not (1.18.33, observed):
//! * Turn start: a new user `message.updated`; turn end: `session.idle`.
//! * Needs input: `permission.asked`; `permission.replied` answers it. `opencode run`
//!   auto-rejects every request.
//! * Errors: `session.error` (documented; not observed). A failing shell command is a tool part
//!   with `status:"completed"`: a failure is reported only for `status:"error"`.

use serde_json::{Map, Value};

use super::ParseError;
use super::json::{child, object, path, required, string, text};
use crate::event::{Agent, ApiErrorKind, EndReason, Event, EventKind, InputNeed};

/// The top-level fields [`parse`] reads.
pub const READ_FIELDS: &[&str] = &["type", "properties", "reply", "directory"];

/// The event types cc-notify's plugin forwards.
pub const FORWARDED: &[&str] = &[
    "message.updated",
    "message.part.updated",
    "session.idle",
    "session.error",
    "session.deleted",
    "permission.asked",
    "permission.replied",
];

/// Parses one event forwarded by cc-notify's OpenCode plugin.
///
/// ```
/// use cc_notify_core::agent::opencode;
/// use cc_notify_core::event::EventKind;
/// let ev = opencode::parse(br#"{"type":"session.idle","properties":{"sessionID":"ses_1"},
///     "reply":"Done."}"#).unwrap();
/// assert!(matches!(ev.kind, EventKind::TurnEnded { reply: Some(_), .. }));
/// ```
pub fn parse(input: &[u8]) -> Result<Event, ParseError> {
    let map = object(input)?;
    let name = required(&map, "type")?;
    let props = child(&map, "properties").ok_or(ParseError::Missing("properties"))?;
    let session_id = session_of(props).ok_or(ParseError::Missing("sessionID"))?;
    let kind = match name.as_str() {
        "message.updated" => match child(props, "info").and_then(|i| string(i, "role")) {
            Some(role) if role == "user" => EventKind::TurnStarted,
            _ => EventKind::Unknown,
        },
        "message.part.updated" => tool_part(props),
        "session.idle" => EventKind::TurnEnded {
            reply: text(&map, "reply"),
            after_blocked_end: false,
            background_running: 0,
        },
        "session.error" => {
            let error = child(props, "error");
            EventKind::ApiError {
                error: ApiErrorKind::Other(
                    error.and_then(|e| string(e, "name")).unwrap_or_default(),
                ),
                message: error
                    .and_then(|e| child(e, "data"))
                    .and_then(|d| text(d, "message")),
            }
        }
        "session.deleted" => EventKind::SessionEnded {
            reason: EndReason::Other("deleted".to_owned()),
        },
        "permission.asked" => EventKind::NeedsInput {
            need: InputNeed::Permission,
            message: permission_message(props),
        },
        _ => EventKind::Unknown,
    };
    let mut event = Event::new(Agent::OpenCode, name, session_id, kind);
    event.cwd = path(&map, "directory");
    Ok(event)
}

/// The session an event belongs to: `sessionID`, or that of its message, part or session.
fn session_of(props: &Map<String, Value>) -> Option<String> {
    text(props, "sessionID")
        .or_else(|| child(props, "info").and_then(|i| text(i, "sessionID")))
        .or_else(|| child(props, "part").and_then(|p| text(p, "sessionID")))
        .or_else(|| child(props, "info").and_then(|i| text(i, "id")))
}

/// A finished tool part: `completed` succeeded, `error` failed; anything else is progress.
fn tool_part(props: &Map<String, Value>) -> EventKind {
    let Some(part) = child(props, "part") else {
        return EventKind::Unknown;
    };
    if string(part, "type").as_deref() != Some("tool") {
        return EventKind::Unknown;
    }
    let tool_name = string(part, "tool").unwrap_or_default();
    let state = child(part, "state");
    match state.and_then(|s| string(s, "status")).as_deref() {
        Some("completed") => EventKind::ToolSucceeded { tool_name },
        Some("error") => EventKind::ToolFailed {
            tool_name,
            error: state.and_then(|s| text(s, "error")),
            interrupted: false,
        },
        _ => EventKind::Unknown,
    }
}

/// What is asked: the command when there is one, else the permission and its patterns.
fn permission_message(props: &Map<String, Value>) -> Option<String> {
    let permission = text(props, "permission");
    let command = child(props, "metadata").and_then(|m| text(m, "command"));
    let patterns: Vec<&str> = props
        .get("patterns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    match (permission, command) {
        (Some(p), Some(c)) => Some(format!("{p}: {c}")),
        (Some(p), None) if !patterns.is_empty() => Some(format!("{p}: {}", patterns.join(", "))),
        (p, c) => c.or(p),
    }
}
