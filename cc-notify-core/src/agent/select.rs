//! Choosing the adapter: by the agent the registered command names (`cc-notify hook --agent
//! codex`), or, when it names none, by the payload itself ([`detect`]).

use std::io::{self, Read};
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::{ParseError, claude, codex, copilot, gemini, opencode, qwen};
use crate::event::{Agent, Event, EventKind};

/// A decoded event, with the file its reply must still be read from when the agent's payload
/// does not carry it (Copilot's session file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The event.
    pub event: Event,
    /// Where the reply of a turn end lies, when the payload only names it.
    pub reply_file: Option<PathBuf>,
}

impl Decoded {
    /// The event, its reply read from [`Decoded::reply_file`] when there is one (a bounded
    /// read of the file's tail; `None` stays `None` when it cannot be read).
    pub fn into_event(self) -> Event {
        let mut event = self.event;
        if let (Some(file), EventKind::TurnEnded { reply, .. }) = (self.reply_file, &mut event.kind)
            && reply.is_none()
        {
            *reply = copilot::read_reply(&file);
        }
        event
    }
}

/// The top-level fields any adapter reads: what [`read_document`] keeps when the agent is not
/// known yet.
fn wanted(agent: Option<Agent>, key: &[u8]) -> bool {
    let lists: &[&[&str]] = match agent {
        Some(Agent::Claude | Agent::Qwen) => &[claude::READ_FIELDS],
        Some(Agent::Codex) => &[codex::READ_FIELDS],
        Some(Agent::Gemini) => &[gemini::READ_FIELDS],
        Some(Agent::Copilot) => &[copilot::READ_FIELDS],
        Some(Agent::OpenCode) => &[opencode::READ_FIELDS],
        // Without `--agent` the hook was registered by Claude Code's install (every other
        // agent's install names its agent): the bulky tool fields only the Codex and Gemini
        // adapters read are streamed past, so a tool's megabytes never sit in memory.
        None if BULKY_FIELDS.iter().any(|f| f.as_bytes() == key) => return false,
        // Detection also looks at these.
        _ => &[
            claude::READ_FIELDS,
            codex::READ_FIELDS,
            gemini::READ_FIELDS,
            copilot::READ_FIELDS,
            opencode::READ_FIELDS,
            DETECT_FIELDS,
        ],
    };
    lists.iter().any(|l| l.iter().any(|f| f.as_bytes() == key))
}

/// Fields that can hold megabytes (a tool's input or output), kept only for an agent named
/// with `--agent` whose adapter reads them.
const BULKY_FIELDS: &[&str] = &["tool_input", "tool_response"];

/// Fields only [`detect`] reads.
const DETECT_FIELDS: &[&str] = &[
    "timestamp",
    "model",
    "permission_mode",
    "crons",
    "context_usage",
    "conversation_id",
    "workspace_roots",
];

/// Reads a hook document from `input` to its end, keeping only the top-level fields the
/// adapter of `agent` reads (all adapters' when `None`), so memory follows those fields and
/// not a tool's output.
pub fn read_document(agent: Option<Agent>, input: impl Read) -> io::Result<Vec<u8>> {
    read_document_keeping(agent, input, |_| false)
}

/// [`read_document`], also keeping the top-level fields `also` names (a caller that reads more
/// of the document than the adapter, such as a permission request's tool input).
pub fn read_document_keeping(
    agent: Option<Agent>,
    input: impl Read,
    also: impl Fn(&[u8]) -> bool,
) -> io::Result<Vec<u8>> {
    let input = super::input::read_input(input, |key| wanted(agent, key) || also(key))?;
    Ok(match input.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => input,
    })
}

/// Decodes a hook document with the adapter of `agent`, or of the agent [`detect`] finds.
///
/// ```
/// use cc_notify_core::agent::select;
/// use cc_notify_core::event::Agent;
/// let doc = br#"{"session_id":"s","hook_event_name":"AfterAgent","prompt_response":"Hi."}"#;
/// assert_eq!(select::decode(None, doc).unwrap().event.agent, Agent::Gemini);
/// ```
pub fn decode(agent: Option<Agent>, input: &[u8]) -> Result<Decoded, ParseError> {
    let agent = match agent {
        Some(a) => a,
        None => detect(input)?,
    };
    let event = match agent {
        Agent::Codex => codex::parse(input)?,
        Agent::Gemini => gemini::parse(input)?,
        Agent::Copilot => copilot::parse(input)?,
        Agent::OpenCode => opencode::parse(input)?,
        Agent::Qwen => qwen::parse(input)?,
        _ => claude::parse(input)?,
    };
    let reply_file = match (&event.kind, agent) {
        (EventKind::TurnEnded { reply: None, .. }, Agent::Copilot) => copilot::session_file(input),
        _ => None,
    };
    Ok(Decoded { event, reply_file })
}

/// Decodes the JSON a `notify` program receives as its last argument (Codex).
pub fn decode_argument(input: &[u8]) -> Result<Decoded, ParseError> {
    Ok(Decoded {
        event: codex::parse_notify(input)?,
        reply_file: None,
    })
}

/// Which agent sent a hook document, from its shape alone (the order of the checks matters;
/// every shape they rely on was observed from the real agents).
///
/// ```
/// use cc_notify_core::agent::select::detect;
/// use cc_notify_core::event::Agent;
/// assert_eq!(detect(br#"{"sessionId":"s","stopReason":"end_turn"}"#).unwrap(), Agent::Copilot);
/// assert_eq!(detect(br#"{"session_id":"s","hook_event_name":"Stop"}"#).unwrap(), Agent::Claude);
/// ```
pub fn detect(input: &[u8]) -> Result<Agent, ParseError> {
    let map = super::json::object(input)?;
    Ok(detect_map(&map))
}

fn detect_map(map: &Map<String, Value>) -> Agent {
    let has = |k: &str| map.contains_key(k);
    let name = map.get("hook_event_name").and_then(Value::as_str);
    let transcript = map
        .get("transcript_path")
        .and_then(Value::as_str)
        .unwrap_or("");
    if has("sessionId") {
        return Agent::Copilot;
    }
    if has("type") && has("properties") {
        return Agent::OpenCode;
    }
    if name.is_some_and(|n| gemini::OWN_EVENTS.contains(&n))
        || has("prompt_response")
        || transcript.contains("/.gemini/")
    {
        return Agent::Gemini;
    }
    // Codex sends no `timestamp`; Qwen's SessionStart also has `model` and `permission_mode`.
    let string_time = map.get("timestamp").is_some_and(Value::is_string);
    if !string_time
        && (has("turn_id")
            || (name == Some("SessionStart") && has("model") && has("permission_mode"))
            || transcript.contains("/rollout-"))
    {
        return Agent::Codex;
    }
    if (has("stop_reason") && string_time) || transcript.contains("/session-state/") {
        return Agent::Copilot;
    }
    if string_time || has("crons") || has("context_usage") || transcript.contains("/.qwen/") {
        return Agent::Qwen;
    }
    Agent::Claude
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_named_agent_a_tools_megabytes_are_not_kept() {
        let big = "x".repeat(2 << 20);
        let doc = format!(
            r#"{{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{{"content":"{big}"}},"tool_response":{{"content":"{big}"}}}}"#
        );
        let kept = read_document(None, doc.as_bytes()).unwrap();
        assert!(kept.len() < 200, "kept {} bytes", kept.len());
        let decoded = decode(None, &kept).unwrap().event;
        assert_eq!(decoded.agent, Agent::Claude);
        assert!(matches!(decoded.kind, EventKind::ToolSucceeded { .. }));
        // An agent named on the command line keeps what its adapter reads.
        let kept = read_document(Some(Agent::Gemini), doc.as_bytes()).unwrap();
        assert!(kept.len() > 2 << 20);
    }
}
