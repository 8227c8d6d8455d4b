//! Small readers over a decoded JSON payload, shared by the adapters of agents whose payloads
//! are read as a [`serde_json::Value`] (they are small once [`super::input::read_input`] has
//! dropped the bulky fields).

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::ParseError;
use crate::event::EventKind;

/// The payload as a JSON object.
pub(crate) fn object(input: &[u8]) -> Result<Map<String, Value>, ParseError> {
    match serde_json::from_slice::<Value>(strip_bom(input))? {
        Value::Object(map) => Ok(map),
        _ => Err(ParseError::NotAnObject),
    }
}

/// `input` without a leading UTF-8 byte-order mark.
pub(crate) fn strip_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input)
}

/// The string at `key`, if it is one.
pub(crate) fn string(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The non-empty string at `key`.
pub(crate) fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    string(map, key).filter(|s| !s.is_empty())
}

/// The path at `key`.
pub(crate) fn path(map: &Map<String, Value>, key: &str) -> Option<PathBuf> {
    string(map, key)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
}

/// The boolean at `key`, `false` when absent or not a boolean.
pub(crate) fn flag(map: &Map<String, Value>, key: &str) -> bool {
    map.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The object at `key`.
pub(crate) fn child<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    map.get(key).and_then(Value::as_object)
}

/// The string at `key`, or the error that it is missing.
pub(crate) fn required(map: &Map<String, Value>, key: &'static str) -> Result<String, ParseError> {
    text(map, key).ok_or(ParseError::Missing(key))
}

/// A payload with Claude Code's field names (Codex, Gemini CLI): the object, its
/// `hook_event_name` and its `session_id`, both required.
pub(crate) fn hook_object(
    input: &[u8],
) -> Result<(Map<String, Value>, String, String), ParseError> {
    let map = object(input)?;
    let name = required(&map, "hook_event_name")?;
    let session_id = required(&map, "session_id")?;
    Ok((map, name, session_id))
}

/// `SessionStart` with its `source` (`startup`, `resume`, …).
pub(crate) fn session_started(map: &Map<String, Value>) -> EventKind {
    EventKind::SessionStarted {
        source: string(map, "source"),
    }
}
