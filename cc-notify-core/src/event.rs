//! The agent-neutral event model: what happened in a coding agent's session, in the terms the
//! [engine](crate::engine) reasons about.
//!
//! Every agent reports its session differently (Claude Code's hook JSON, Codex's `notify`
//! argument, an OpenCode plugin's events). An adapter in [`agent`](crate::agent) decodes one
//! agent's payload onto an [`Event`]; the engine, delays, presence, progress, rate limits and
//! rendering only ever see these types.
//!
//! Where an agent reports less, the fields stay `None` (no reply text, no turn id, no
//! transcript) and the push says less; an event the agent has no equivalent for is simply
//! never produced. The enums are `#[non_exhaustive]`: new agents may add kinds, and code outside
//! this crate must keep a fallback arm.

use std::borrow::Cow;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Which coding agent an event comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Agent {
    /// Anthropic's Claude Code.
    #[default]
    Claude,
    /// OpenAI's Codex CLI.
    Codex,
    /// Google's Gemini CLI.
    Gemini,
    /// GitHub Copilot CLI.
    Copilot,
    /// OpenCode.
    #[serde(rename = "opencode")]
    OpenCode,
    /// Qwen Code.
    Qwen,
}

impl Agent {
    /// Every agent, in the order they are listed to the user.
    pub const ALL: [Agent; 6] = [
        Agent::Claude,
        Agent::Codex,
        Agent::Gemini,
        Agent::Copilot,
        Agent::OpenCode,
        Agent::Qwen,
    ];

    /// The short name used on the command line and in files (`claude`, `codex`, …).
    pub fn id(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::Copilot => "copilot",
            Agent::OpenCode => "opencode",
            Agent::Qwen => "qwen",
        }
    }

    /// The agent's name as people write it, for push titles and reports.
    pub fn display_name(self) -> &'static str {
        match self {
            Agent::Claude => "Claude Code",
            Agent::Codex => "Codex",
            Agent::Gemini => "Gemini CLI",
            Agent::Copilot => "Copilot CLI",
            Agent::OpenCode => "OpenCode",
            Agent::Qwen => "Qwen Code",
        }
    }

    /// The agent whose [`id`](Agent::id) is `id`.
    pub fn from_id(id: &str) -> Option<Agent> {
        Agent::ALL.into_iter().find(|a| a.id() == id)
    }
}

/// One thing that happened in an agent's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The agent that reported it.
    pub agent: Agent,
    /// The agent's own name for the event (`Stop`, `AfterAgent`, `session.idle`, …), for the
    /// decision log.
    pub name: Cow<'static, str>,
    /// The session the event belongs to.
    pub session_id: String,
    /// The session's transcript in Claude Code's JSONL format, which the
    /// [`transcript`](crate::transcript) reader understands; `None` for agents whose transcript
    /// it cannot read. Subagent events carry the parent's path.
    pub transcript_path: Option<PathBuf>,
    /// The session's working directory.
    pub cwd: Option<PathBuf>,
    /// The id of the prompt (turn) the event belongs to, when the agent gives one. A prompt
    /// submitted with the id of the turn still running is queued into that turn.
    pub turn_id: Option<String>,
    /// Set only when the event comes from inside a subagent: its id.
    pub subagent: Option<String>,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// An event of `agent` with only the fields every agent gives; fill the rest by field.
    pub fn new(
        agent: Agent,
        name: impl Into<Cow<'static, str>>,
        session_id: impl Into<String>,
        kind: EventKind,
    ) -> Self {
        Event {
            agent,
            name: name.into(),
            session_id: session_id.into(),
            transcript_path: None,
            cwd: None,
            turn_id: None,
            subagent: None,
            kind,
        }
    }

    /// The agent's own name for the event.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The event comes from the main agent, not from inside a subagent.
    pub fn is_main(&self) -> bool {
        self.subagent.is_none()
    }
}

/// What an [`Event`] reports, with the facts the engine reads.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// A session started, resumed, was cleared, compacted or forked.
    SessionStarted {
        /// How, in the agent's words (Claude Code: `startup | resume | clear | compact | fork`).
        source: Option<String>,
    },
    /// A person submitted a prompt: they are at the keyboard, and a turn starts (or, with the
    /// running turn's [`Event::turn_id`], is queued into it).
    TurnStarted,
    /// The agent injected a prompt itself (a background task finished): the turn goes on
    /// without anyone having come back.
    TurnContinued,
    /// A tool is about to run.
    ToolStarting {
        /// The tool's name.
        tool_name: String,
    },
    /// The agent is about to ask the user whether a tool may run. The agent reports the
    /// question as [`EventKind::NeedsInput`] if it stays unanswered; the engine does not push
    /// for this one.
    PermissionAsked {
        /// The tool's name.
        tool_name: String,
    },
    /// A tool call succeeded.
    ToolSucceeded {
        /// The tool's name.
        tool_name: String,
    },
    /// A tool call failed.
    ToolFailed {
        /// The tool's name.
        tool_name: String,
        /// The error text the agent reported.
        error: Option<String>,
        /// The failure was the user interrupting the tool.
        interrupted: bool,
    },
    /// All parallel tool calls of one round resolved.
    ToolRoundFinished {
        /// The calls of the round, in order.
        calls: Vec<ToolCall>,
    },
    /// The agent waits for a person to answer something before it can go on.
    NeedsInput {
        /// What it waits for.
        need: InputNeed,
        /// The text the agent shows (do not key on it).
        message: Option<String>,
    },
    /// The agent wants the user's attention for something that needs no answer (Claude Code's
    /// `auth_success`, …). Nothing for the phone; it does not answer a pending question.
    Notice {
        /// What it is, in the agent's words.
        what: String,
        /// The text the agent shows.
        message: Option<String>,
    },
    /// The main agent finished responding: the turn ended.
    TurnEnded {
        /// The turn's final reply (its last text block), when the agent gives it.
        reply: Option<String>,
        /// The previous end of this turn was blocked by a hook, so the same turn went on and
        /// this is its second end.
        after_blocked_end: bool,
        /// How many background tasks still run (a later end will follow): a pause, not an end.
        background_running: u32,
    },
    /// The turn ended on an API error.
    ApiError {
        /// The error class.
        error: ApiErrorKind,
        /// The error text shown to the user.
        message: Option<String>,
    },
    /// A subagent started.
    SubagentStarted {
        /// The subagent's type; empty for compaction agents.
        agent_type: String,
    },
    /// A subagent finished.
    SubagentEnded {
        /// The subagent's type; empty for compaction agents.
        agent_type: String,
        /// The subagent's last message.
        reply: Option<String>,
    },
    /// Compaction is about to run.
    Compacting {
        /// `manual | auto`.
        trigger: Option<String>,
    },
    /// Compaction finished.
    Compacted {
        /// `manual | auto`.
        trigger: Option<String>,
    },
    /// The session ended.
    SessionEnded {
        /// Why it ended.
        reason: EndReason,
    },
    /// An event cc-notify does not act on (its name is [`Event::name`]).
    Unknown,
}

/// One call of an [`EventKind::ToolRoundFinished`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// The tool's name.
    pub tool_name: String,
    /// The call never ran or was refused (validation error, hook block, permission denial).
    pub refused: bool,
}

/// What an agent waiting on a person waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputNeed {
    /// A permission dialog is open (a tool wants to run).
    Permission,
    /// A question to answer (an MCP server asks the user something).
    Question,
    /// A URL to open (an MCP server asks the user to visit it).
    OpenUrl,
    /// The turn is over and the agent has been waiting for the next prompt for a while.
    Idle,
}

impl InputNeed {
    /// A person must answer something before the agent can go on (unlike [`InputNeed::Idle`]).
    pub fn blocks_on_user(self) -> bool {
        !matches!(self, InputNeed::Idle)
    }
}

/// The class of an API error that ended a turn.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// Rate limited.
    RateLimit,
    /// Authentication failed.
    AuthFailed,
    /// An account or billing problem.
    Account,
    /// The API is overloaded.
    Overloaded,
    /// The API server failed.
    ServerError,
    /// The request was invalid.
    InvalidRequest,
    /// The model does not exist.
    ModelNotFound,
    /// The reply hit the output token limit.
    MaxOutputTokens,
    /// Unknown, or a class this version does not know (kept as text).
    Other(String),
}

impl ApiErrorKind {
    /// The error in words, for a push title or body.
    pub fn describe(&self) -> &str {
        match self {
            Self::RateLimit => "rate limited",
            Self::AuthFailed => "authentication failed",
            Self::Account => "account or billing problem",
            Self::Overloaded => "API overloaded",
            Self::ServerError => "API server error",
            Self::InvalidRequest => "invalid request",
            Self::ModelNotFound => "model not found",
            Self::MaxOutputTokens => "hit the output token limit",
            Self::Other(_) => "API error",
        }
    }
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndReason {
    /// The user cleared the conversation: they are at the keyboard.
    Cleared,
    /// The user switched to another session.
    Resumed,
    /// The user logged out: they are at the keyboard.
    LoggedOut,
    /// The user exited the agent: they are at the keyboard.
    Exited,
    /// The end of a headless run, a closed terminal, or anything else (kept as text).
    Other(String),
}

impl EndReason {
    /// The session ended by the user's own hand, so they are at the keyboard.
    pub fn user_at_keyboard(&self) -> bool {
        matches!(self, Self::Cleared | Self::LoggedOut | Self::Exited)
    }
}
