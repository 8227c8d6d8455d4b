//! The hook event model: one Claude Code hook JSON document parsed into a typed [`HookEvent`].
//!
//! Parsing is tolerant — unknown fields and unknown events are accepted, missing optional fields
//! default — and frugal: fields nobody reads (`tool_input`, a PostToolUse `tool_response` that can
//! be megabytes) are skipped by the parser without being materialised.

use std::fmt;
use std::io::{self, Read};
use std::path::PathBuf;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

pub use super::input::{MAX_KEY, read_input};

/// The prefix Claude Code puts on prompts it injects itself when a background task finishes.
pub const TASK_NOTIFICATION_PREFIX: &str = "<task-notification>";

/// The prefix of a tool result that never ran (validation error, hook block, permission denial).
pub const TOOL_USE_ERROR_PREFIX: &str = "<tool_use_error>";

/// One hook invocation's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookEvent {
    /// The session the event belongs to (changes on `/clear`).
    pub session_id: String,
    /// The session's transcript (JSONL). Subagent hooks carry the parent's path.
    pub transcript_path: Option<PathBuf>,
    /// The session's working directory.
    pub cwd: Option<PathBuf>,
    /// The id of the user input the event belongs to; absent before the first prompt.
    pub prompt_id: Option<String>,
    /// Set only when the event comes from inside a subagent.
    pub agent_id: Option<String>,
    /// What happened.
    pub kind: EventKind,
}

/// What a hook event reports, with the fields the engine reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// A session started, resumed, was cleared, compacted or forked.
    SessionStart {
        /// `startup | resume | clear | compact | fork`.
        source: Option<String>,
    },
    /// A prompt was submitted: by the person, or injected by Claude Code.
    UserPromptSubmit {
        /// The prompt was injected by Claude Code (`<task-notification>`), not typed by a person.
        system_injected: bool,
    },
    /// A tool is about to run.
    PreToolUse {
        /// The tool's name.
        tool_name: String,
    },
    /// A permission dialog is about to be shown (or, in `-p`, the tool is refused).
    PermissionRequest {
        /// The tool's name.
        tool_name: String,
    },
    /// A tool call succeeded.
    PostToolUse {
        /// The tool's name.
        tool_name: String,
    },
    /// A tool call failed (fires instead of PostToolUse).
    PostToolUseFailure {
        /// The tool's name.
        tool_name: String,
        /// The error text Claude Code reported.
        error: Option<String>,
        /// The failure was the user interrupting the tool.
        is_interrupt: bool,
    },
    /// All parallel tool calls of one round resolved.
    PostToolBatch {
        /// The calls of the round, in order.
        calls: Vec<BatchCall>,
    },
    /// Claude Code wants the user's attention.
    Notification {
        /// Which notification it is.
        notification_type: NotificationType,
        /// The text Claude Code shows (do not key on it).
        message: Option<String>,
    },
    /// The main agent finished responding.
    Stop {
        /// This Stop follows a Stop hook that blocked: the same turn continues.
        stop_hook_active: bool,
        /// The last assistant content block of the turn.
        last_assistant_message: Option<String>,
        /// How many background tasks are still running (a later Stop will follow).
        background_running: u32,
    },
    /// The turn ended on an API error (TUI only).
    StopFailure {
        /// The error class.
        error: StopError,
        /// The error text shown to the user.
        last_assistant_message: Option<String>,
    },
    /// A subagent started.
    SubagentStart {
        /// The subagent's type; empty for compaction agents.
        agent_type: String,
    },
    /// A subagent finished.
    SubagentStop {
        /// The subagent's type; empty for compaction agents.
        agent_type: String,
        /// The subagent's last message.
        last_assistant_message: Option<String>,
    },
    /// Compaction is about to run.
    PreCompact {
        /// `manual | auto`.
        trigger: Option<String>,
    },
    /// Compaction finished.
    PostCompact {
        /// `manual | auto`.
        trigger: Option<String>,
    },
    /// The session ended.
    SessionEnd {
        /// Why it ended.
        reason: EndReason,
    },
    /// Any other event, by name.
    Other {
        /// The `hook_event_name`.
        name: String,
    },
}

/// One call of a [`EventKind::PostToolBatch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchCall {
    /// The tool's name.
    pub tool_name: String,
    /// The call never ran or was refused: its response is a `<tool_use_error>`.
    pub tool_use_error: bool,
}

/// The `notification_type` of a Notification event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationType {
    /// A dialog (usually a permission) has been open for 6 s.
    PermissionPrompt,
    /// Claude is waiting for input after a finished turn.
    IdlePrompt,
    /// An MCP server asks the user something.
    ElicitationDialog,
    /// An MCP server asks the user to open a URL.
    ElicitationUrlDialog,
    /// Any other type, kept as text.
    Other(String),
}

impl NotificationType {
    fn from_wire(s: &str) -> Self {
        match s {
            "permission_prompt" => Self::PermissionPrompt,
            "idle_prompt" => Self::IdlePrompt,
            "elicitation_dialog" => Self::ElicitationDialog,
            "elicitation_url_dialog" => Self::ElicitationUrlDialog,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::PermissionPrompt => "permission_prompt",
            Self::IdlePrompt => "idle_prompt",
            Self::ElicitationDialog => "elicitation_dialog",
            Self::ElicitationUrlDialog => "elicitation_url_dialog",
            Self::Other(s) => s,
        }
    }

    /// A person must answer something before the agent can go on.
    pub fn blocks_on_user(&self) -> bool {
        matches!(
            self,
            Self::PermissionPrompt | Self::ElicitationDialog | Self::ElicitationUrlDialog
        )
    }
}

/// The `error` of a StopFailure event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopError {
    /// `rate_limit`.
    RateLimit,
    /// `authentication_failed`, `oauth_org_not_allowed`, `cloud_credential_error`.
    AuthFailed,
    /// `billing_error`, `account_on_hold`, `verification_required`.
    Account,
    /// `overloaded`.
    Overloaded,
    /// `server_error`.
    ServerError,
    /// `invalid_request`.
    InvalidRequest,
    /// `model_not_found`.
    ModelNotFound,
    /// `max_output_tokens`.
    MaxOutputTokens,
    /// `unknown`, absent, or a class this version does not know (kept as text).
    Other(String),
}

impl StopError {
    fn from_wire(s: &str) -> Self {
        match s {
            "rate_limit" => Self::RateLimit,
            "authentication_failed" | "oauth_org_not_allowed" | "cloud_credential_error" => {
                Self::AuthFailed
            }
            "billing_error" | "account_on_hold" | "verification_required" => Self::Account,
            "overloaded" => Self::Overloaded,
            "server_error" => Self::ServerError,
            "invalid_request" => Self::InvalidRequest,
            "model_not_found" => Self::ModelNotFound,
            "max_output_tokens" => Self::MaxOutputTokens,
            other => Self::Other(other.to_owned()),
        }
    }

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

/// The `reason` of a SessionEnd event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// `/clear`: the user is at the keyboard.
    Clear,
    /// `/resume` switched sessions.
    Resume,
    /// `/logout`: the user is at the keyboard.
    Logout,
    /// `/exit` or Ctrl-C twice: the user is at the keyboard.
    PromptInputExit,
    /// End of `claude -p`, a closed terminal, or anything else.
    Other(String),
}

impl EndReason {
    fn from_wire(s: &str) -> Self {
        match s {
            "clear" => Self::Clear,
            "resume" => Self::Resume,
            "logout" => Self::Logout,
            "prompt_input_exit" => Self::PromptInputExit,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The session ended by the user's own hand, so they are at the keyboard.
    pub fn user_at_keyboard(&self) -> bool {
        matches!(self, Self::Clear | Self::Logout | Self::PromptInputExit)
    }
}

/// Why a hook input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The input is not JSON, or a known field has the wrong type.
    #[error("hook input is not a valid event: {0}")]
    Json(#[from] serde_json::Error),
    /// A field every event carries is missing.
    #[error("hook input has no `{0}`")]
    Missing(&'static str),
    /// The input is JSON but not an object.
    #[error("hook input is not a JSON object")]
    NotAnObject,
}

impl HookEvent {
    /// Parses one hook JSON document.
    ///
    /// ```
    /// use cc_notify_core::event::{EventKind, HookEvent};
    /// let ev = HookEvent::parse(br#"{"session_id":"s1","hook_event_name":"Stop",
    ///     "last_assistant_message":"done","tool_response":{"huge":"skipped"}}"#).unwrap();
    /// assert!(matches!(ev.kind, EventKind::Stop { .. }));
    /// ```
    pub fn parse(input: &[u8]) -> Result<Self, ParseError> {
        // serde would read a JSON array into the struct field by field: only objects are events.
        let first = input.iter().find(|b| !b.is_ascii_whitespace());
        if first.is_some_and(|&b| b != b'{') && serde_json::from_slice::<IgnoredAny>(input).is_ok()
        {
            return Err(ParseError::NotAnObject);
        }
        let raw: Raw = serde_json::from_slice(input)?;
        raw.into_event()
    }

    /// Reads a hook document from `input` to its end, keeping only the top-level fields
    /// [`HookEvent::parse`] reads ([`READ_FIELDS`]), so memory follows those fields and not
    /// the megabytes of tool input and output a PostToolUse can carry.
    ///
    /// ```
    /// use cc_notify_core::event::HookEvent;
    /// let doc = br#"{"session_id":"s1","hook_event_name":"PostToolUse","tool_name":"Write",
    ///     "tool_input":{"content":"...megabytes..."}}"#;
    /// let kept = HookEvent::read_document(&doc[..]).unwrap();
    /// assert_eq!(HookEvent::parse(&kept).unwrap(), HookEvent::parse(doc).unwrap());
    /// ```
    pub fn read_document(input: impl Read) -> io::Result<Vec<u8>> {
        read_input(input, |key| READ_FIELDS.iter().any(|f| f.as_bytes() == key))
    }

    /// The `hook_event_name` of this event.
    pub fn name(&self) -> &str {
        match &self.kind {
            EventKind::SessionStart { .. } => "SessionStart",
            EventKind::UserPromptSubmit { .. } => "UserPromptSubmit",
            EventKind::PreToolUse { .. } => "PreToolUse",
            EventKind::PermissionRequest { .. } => "PermissionRequest",
            EventKind::PostToolUse { .. } => "PostToolUse",
            EventKind::PostToolUseFailure { .. } => "PostToolUseFailure",
            EventKind::PostToolBatch { .. } => "PostToolBatch",
            EventKind::Notification { .. } => "Notification",
            EventKind::Stop { .. } => "Stop",
            EventKind::StopFailure { .. } => "StopFailure",
            EventKind::SubagentStart { .. } => "SubagentStart",
            EventKind::SubagentStop { .. } => "SubagentStop",
            EventKind::PreCompact { .. } => "PreCompact",
            EventKind::PostCompact { .. } => "PostCompact",
            EventKind::SessionEnd { .. } => "SessionEnd",
            EventKind::Other { name } => name,
        }
    }
}

/// The top-level fields [`HookEvent::parse`] reads: `Raw`'s fields (a test keeps them equal).
pub const READ_FIELDS: &[&str] = &[
    "session_id",
    "hook_event_name",
    "transcript_path",
    "cwd",
    "prompt_id",
    "agent_id",
    "agent_type",
    "source",
    "prompt",
    "tool_name",
    "error",
    "is_interrupt",
    "tool_calls",
    "notification_type",
    "message",
    "stop_hook_active",
    "last_assistant_message",
    "background_tasks",
    "trigger",
    "reason",
];

/// Every field any event may carry that the engine reads; everything else is skipped unread.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Raw {
    session_id: Option<String>,
    hook_event_name: Option<String>,
    transcript_path: Option<PathBuf>,
    cwd: Option<PathBuf>,
    prompt_id: Option<String>,
    agent_id: Option<String>,
    agent_type: Option<String>,
    source: Option<String>,
    prompt: Option<PromptPeek>,
    tool_name: Option<String>,
    error: Option<String>,
    is_interrupt: Option<bool>,
    tool_calls: Option<Vec<RawBatchCall>>,
    notification_type: Option<String>,
    message: Option<String>,
    stop_hook_active: Option<bool>,
    last_assistant_message: Option<String>,
    background_tasks: Option<RunningCount>,
    trigger: Option<String>,
    reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawBatchCall {
    tool_name: Option<String>,
    tool_response: Option<ToolUseErrorPeek>,
}

impl Raw {
    fn into_event(self) -> Result<HookEvent, ParseError> {
        let name = self
            .hook_event_name
            .ok_or(ParseError::Missing("hook_event_name"))?;
        let session_id = self.session_id.ok_or(ParseError::Missing("session_id"))?;
        let tool_name = self.tool_name.unwrap_or_default();
        let agent_type = self.agent_type.unwrap_or_default();
        let kind = match name.as_str() {
            "SessionStart" => EventKind::SessionStart {
                source: self.source,
            },
            "UserPromptSubmit" => EventKind::UserPromptSubmit {
                system_injected: self.prompt.is_some_and(|p| p.0),
            },
            "PreToolUse" => EventKind::PreToolUse { tool_name },
            "PermissionRequest" => EventKind::PermissionRequest { tool_name },
            "PostToolUse" => EventKind::PostToolUse { tool_name },
            "PostToolUseFailure" => EventKind::PostToolUseFailure {
                tool_name,
                error: self.error,
                is_interrupt: self.is_interrupt.unwrap_or(false),
            },
            "PostToolBatch" => EventKind::PostToolBatch {
                calls: self
                    .tool_calls
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| BatchCall {
                        tool_name: c.tool_name.unwrap_or_default(),
                        tool_use_error: c.tool_response.is_some_and(|r| r.0),
                    })
                    .collect(),
            },
            "Notification" => EventKind::Notification {
                notification_type: NotificationType::from_wire(
                    self.notification_type.as_deref().unwrap_or(""),
                ),
                message: self.message,
            },
            "Stop" => EventKind::Stop {
                stop_hook_active: self.stop_hook_active.unwrap_or(false),
                last_assistant_message: self.last_assistant_message,
                background_running: self.background_tasks.map_or(0, |c| c.0),
            },
            "StopFailure" => EventKind::StopFailure {
                error: StopError::from_wire(self.error.as_deref().unwrap_or("unknown")),
                last_assistant_message: self.last_assistant_message,
            },
            "SubagentStart" => EventKind::SubagentStart { agent_type },
            "SubagentStop" => EventKind::SubagentStop {
                agent_type,
                last_assistant_message: self.last_assistant_message,
            },
            "PreCompact" => EventKind::PreCompact {
                trigger: self.trigger,
            },
            "PostCompact" => EventKind::PostCompact {
                trigger: self.trigger,
            },
            "SessionEnd" => EventKind::SessionEnd {
                reason: EndReason::from_wire(self.reason.as_deref().unwrap_or("other")),
            },
            _ => EventKind::Other { name },
        };
        Ok(HookEvent {
            session_id,
            transcript_path: self.transcript_path,
            cwd: self.cwd,
            prompt_id: self.prompt_id,
            agent_id: self.agent_id,
            kind,
        })
    }
}

/// Reads a `prompt` only far enough to know whether Claude Code injected it.
struct PromptPeek(bool);

impl<'de> Deserialize<'de> for PromptPeek {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PrefixVisitor(TASK_NOTIFICATION_PREFIX))
            .map(PromptPeek)
    }
}

/// Reads a `tool_response` only far enough to know whether it is a `<tool_use_error>`.
struct ToolUseErrorPeek(bool);

impl<'de> Deserialize<'de> for ToolUseErrorPeek {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PrefixVisitor(TOOL_USE_ERROR_PREFIX))
            .map(ToolUseErrorPeek)
    }
}

/// True when the value is a string starting with the prefix; any other value is skipped unread.
struct PrefixVisitor(&'static str);

impl<'de> Visitor<'de> for PrefixVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v.trim_start().starts_with(self.0))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }
}

/// Counts the `background_tasks` whose `status` says they still run.
struct RunningCount(u32);

impl<'de> Deserialize<'de> for RunningCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Task {
            status: Option<String>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = u32;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of background tasks")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u32, A::Error> {
                let mut n = 0u32;
                while let Some(task) = seq.next_element::<Option<Task>>()? {
                    let running = match task.and_then(|t| t.status) {
                        None => true,
                        Some(s) => !matches!(
                            s.as_str(),
                            "completed" | "failed" | "killed" | "stopped" | "cancelled" | "error"
                        ),
                    };
                    n = n.saturating_add(u32::from(running));
                }
                Ok(n)
            }
            fn visit_unit<E: de::Error>(self) -> Result<u32, E> {
                Ok(0)
            }
            fn visit_none<E: de::Error>(self) -> Result<u32, E> {
                Ok(0)
            }
        }
        d.deserialize_any(V).map(RunningCount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> HookEvent {
        HookEvent::parse(s.as_bytes()).expect("parses")
    }

    /// The field names serde's derive gives `Raw` (it hands them to `deserialize_struct`).
    fn raw_fields() -> &'static [&'static str] {
        struct Capture;
        #[derive(Debug)]
        struct Fields(&'static [&'static str]);
        impl fmt::Display for Fields {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }
        impl std::error::Error for Fields {}
        impl de::Error for Fields {
            fn custom<T: fmt::Display>(_: T) -> Self {
                Fields(&[])
            }
        }
        impl<'de> Deserializer<'de> for Capture {
            type Error = Fields;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Fields> {
                Err(Fields(&[]))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Fields> {
                Err(Fields(fields))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
                identifier ignored_any
            }
        }
        match Raw::deserialize(Capture) {
            Err(Fields(fields)) => fields,
            Ok(_) => unreachable!("Capture never yields a value"),
        }
    }

    #[test]
    fn read_fields_are_exactly_the_fields_the_parser_reads() {
        let mut read: Vec<&str> = READ_FIELDS.to_vec();
        let mut raw: Vec<&str> = raw_fields().to_vec();
        read.sort_unstable();
        raw.sort_unstable();
        assert_eq!(read, raw);
        assert!(READ_FIELDS.iter().all(|f| f.len() <= MAX_KEY));
    }

    #[test]
    fn a_2mb_tool_payload_is_not_kept_in_memory() {
        let big = "fn main() {\\n    println!(\\\"hi\\\");\\n}\\n".repeat(50_000);
        let doc = format!(
            r#"{{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{{"content":"{big}"}},"tool_response":{{"content":"{big}"}}}}"#
        );
        let kept = HookEvent::read_document(doc.as_bytes()).unwrap();
        assert!(kept.len() < 200, "{} bytes kept", kept.len());
        assert_eq!(
            HookEvent::parse(&kept).unwrap(),
            HookEvent::parse(doc.as_bytes()).unwrap()
        );
    }

    #[test]
    fn stop_with_running_background_task_counts_it() {
        let ev = parse(
            r#"{"session_id":"s","transcript_path":"/t.jsonl","cwd":"/home/dev/proj","prompt_id":"p","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"Subagent reported back; done.","background_tasks":[{"id":"a","type":"subagent","status":"running"},{"id":"b","status":"completed"}],"session_crons":[]}"#,
        );
        assert_eq!(
            ev.kind,
            EventKind::Stop {
                stop_hook_active: false,
                last_assistant_message: Some("Subagent reported back; done.".into()),
                background_running: 1
            }
        );
        assert_eq!(
            ev.cwd.as_deref(),
            Some(std::path::Path::new("/home/dev/proj"))
        );
    }

    #[test]
    fn task_notification_prompt_is_system_injected() {
        let ev = parse(
            r#"{"session_id":"s","hook_event_name":"UserPromptSubmit","prompt":"<task-notification>\n<task-id>a</task-id></task-notification>"}"#,
        );
        assert_eq!(
            ev.kind,
            EventKind::UserPromptSubmit {
                system_injected: true
            }
        );
        let ev = parse(
            r#"{"session_id":"s","hook_event_name":"UserPromptSubmit","prompt":"fix the tests"}"#,
        );
        assert_eq!(
            ev.kind,
            EventKind::UserPromptSubmit {
                system_injected: false
            }
        );
    }

    #[test]
    fn batch_marks_tool_use_errors() {
        let ev = parse(
            r#"{"session_id":"s","hook_event_name":"PostToolBatch","tool_calls":[{"tool_name":"Bash","tool_input":{"command":"echo p1"},"tool_response":"p1"},{"tool_name":"Bash","tool_response":"<tool_use_error>Blocked</tool_use_error>"},{"tool_name":"Read","tool_response":{"file":{"content":"x"}}}]}"#,
        );
        let EventKind::PostToolBatch { calls } = ev.kind else {
            panic!("not a batch")
        };
        let errs: Vec<bool> = calls.iter().map(|c| c.tool_use_error).collect();
        assert_eq!(errs, [false, true, false]);
    }

    #[test]
    fn unknown_events_and_fields_are_accepted() {
        let ev = parse(
            r#"{"session_id":"s","hook_event_name":"ConfigChange","source":"user","new_field":[1,2,{"x":null}]}"#,
        );
        assert_eq!(
            ev.kind,
            EventKind::Other {
                name: "ConfigChange".into()
            }
        );
        let ev = parse(
            r#"{"session_id":"s","hook_event_name":"Notification","notification_type":"agent_needs_input"}"#,
        );
        assert_eq!(
            ev.kind,
            EventKind::Notification {
                notification_type: NotificationType::Other("agent_needs_input".into()),
                message: None
            }
        );
    }

    #[test]
    fn stop_failure_error_in_words() {
        let ev = parse(
            r#"{"session_id":"s","hook_event_name":"StopFailure","error":"rate_limit","last_assistant_message":"API Error: Request rejected (429)"}"#,
        );
        let EventKind::StopFailure { error, .. } = ev.kind else {
            panic!()
        };
        assert_eq!(error.describe(), "rate limited");
    }

    #[test]
    fn malformed_input_is_a_typed_error() {
        assert!(matches!(HookEvent::parse(b""), Err(ParseError::Json(_))));
        assert!(matches!(
            HookEvent::parse(b"\xff\xfe"),
            Err(ParseError::Json(_))
        ));
        assert!(matches!(
            HookEvent::parse(b"[1,2]"),
            Err(ParseError::NotAnObject)
        ));
        // A fuzz find: serde reads an array into a struct field by field.
        assert!(matches!(
            HookEvent::parse(br#"["s", "Stop"]"#),
            Err(ParseError::NotAnObject)
        ));
        assert!(matches!(
            HookEvent::parse(br#"{"hook_event_name":"Stop"}"#),
            Err(ParseError::Missing("session_id"))
        ));
        assert!(matches!(
            HookEvent::parse(
                br#"{"session_id":"s","hook_event_name":"Stop","stop_hook_active":"yes"}"#
            ),
            Err(ParseError::Json(_))
        ));
        let deep = "[".repeat(100_000);
        let doc = format!(
            r#"{{"session_id":"s","hook_event_name":"PostToolUse","tool_response":{deep}}}"#
        );
        assert!(HookEvent::parse(doc.as_bytes()).is_err());
    }

    #[test]
    fn large_tool_response_is_skipped() {
        let big = "x".repeat(3 << 20);
        let doc = format!(
            r#"{{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{{"content":"{big}"}},"tool_response":{{"content":"{big}"}}}}"#
        );
        let ev = HookEvent::parse(doc.as_bytes()).expect("parses");
        assert_eq!(
            ev.kind,
            EventKind::PostToolUse {
                tool_name: "Write".into()
            }
        );
    }
}
