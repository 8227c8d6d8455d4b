//! The facts about the world a step needs, gathered by the binary before it calls
//! [`step`](super::step).

use crate::transcript::Scan;

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
    /// What the transcript says, read only when [`Needs::transcript`](super::Needs::transcript)
    /// asked for it.
    pub transcript: Option<TranscriptFacts>,
    /// The transcript read forwards from [`Needs::progress_from`](super::Needs::progress_from),
    /// only when it asked for it.
    pub progress: Option<Scan>,
    /// The progress scan had to start again from 0: the transcript no longer reaches the
    /// cursor's offset (it was replaced). The step then forgets where progress pushes were;
    /// earlier turns are skipped, and the remembered message ids still prevent repeats.
    pub progress_restarted: bool,
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
