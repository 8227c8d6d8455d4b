//! What a push says: [`Notification`] and its [`Kind`].

use serde::{Deserialize, Serialize};

/// Why a push is sent. Each kind looks and sounds different on the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The turn finished.
    Done,
    /// The turn ended on an API error or a failed tool call.
    Error,
    /// The agent waits for the user (a permission dialog, a question, idle).
    NeedsInput,
    /// An intermediate assistant message of a running turn (silent).
    Progress,
}

impl Kind {
    /// All kinds, in a stable order.
    pub const ALL: [Kind; 4] = [Kind::Done, Kind::Error, Kind::NeedsInput, Kind::Progress];

    /// A short lowercase name (`done`, `error`, `input`, `progress`), as used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Done => "done",
            Kind::Error => "error",
            Kind::NeedsInput => "input",
            Kind::Progress => "progress",
        }
    }

    /// Parses the names [`Kind::as_str`] gives (also `needs_input`).
    pub fn from_name(s: &str) -> Option<Kind> {
        match s {
            "done" => Some(Kind::Done),
            "error" => Some(Kind::Error),
            "input" | "needs_input" | "needs-input" => Some(Kind::NeedsInput),
            "progress" => Some(Kind::Progress),
            _ => None,
        }
    }
}

/// One push, ready for a [`Notifier`](crate::Notifier).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Why it is sent.
    pub kind: Kind,
    /// The headline (project, kind, turn duration).
    pub title: String,
    /// The text (the agent's reply, redacted); may be empty.
    pub body: String,
    /// A notifier-specific priority; `None` means the notifier's default for the kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i8>,
    /// A link to open from the push.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The Claude Code session the push is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The project's name (the last component of its directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// When the event happened, in Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
}

impl Notification {
    /// A notification of `kind` with a title and body and no metadata.
    pub fn new(kind: Kind, title: impl Into<String>, body: impl Into<String>) -> Self {
        Notification {
            kind,
            title: title.into(),
            body: body.into(),
            priority: None,
            url: None,
            session_id: None,
            project: None,
            timestamp: None,
        }
    }
}
