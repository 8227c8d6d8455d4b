//! The Qwen Code adapter. Qwen Code (a Gemini CLI fork) sends Claude Code's hook names and
//! near-Claude payloads (plus `timestamp`, `crons`, usage fields), so Claude Code's decoding
//! is reused; only the agent and the transcript differ.
//!
//! What Qwen Code gives, and what it does not (0.24.4, observed):
//! * Turn end: `Stop` with `last_assistant_message`. A failing command: `PostToolUseFailure`
//!   with the exit code in `error`.
//! * An `auth_success` Notification at every start: a notice, nothing to push.
//! * Errors: `StopFailure` exists, but with `-p` an API error fired nothing after
//!   `UserPromptSubmit` (no StopFailure, no Stop, no SessionEnd): nothing is pushed for it.
//! * Needs input: `PermissionRequest` exists (not observed): like Claude Code's, it is not
//!   pushed by itself.
//! * Its transcript (`~/.qwen/projects/…/chats/*.jsonl`) is not in Claude Code's format.

use super::{ParseError, claude};
use crate::event::{Agent, Event};

/// Parses one Qwen Code hook JSON document.
///
/// ```
/// use cc_notify_core::agent::qwen;
/// use cc_notify_core::event::{Agent, EventKind};
/// let ev = qwen::parse(br#"{"session_id":"s","hook_event_name":"Stop","timestamp":"t",
///     "last_assistant_message":"Done.","crons":[]}"#).unwrap();
/// assert_eq!(ev.agent, Agent::Qwen);
/// assert!(matches!(ev.kind, EventKind::TurnEnded { reply: Some(_), .. }));
/// ```
pub fn parse(input: &[u8]) -> Result<Event, ParseError> {
    let mut event = claude::parse(super::json::strip_bom(input))?;
    event.agent = Agent::Qwen;
    event.transcript_path = None;
    Ok(event)
}
