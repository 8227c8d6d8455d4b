//! The Claude Code adapter: one hook JSON document decoded onto an [`Event`].
//!
//! Parsing is tolerant — unknown fields and unknown events are accepted, missing optional fields
//! default — and frugal: fields nobody reads (`tool_input`, a PostToolUse `tool_response` that can
//! be megabytes) are skipped by the parser without being materialised.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read};
use std::path::PathBuf;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

pub use super::ParseError;
pub use super::input::{MAX_KEY, read_input};
use crate::event::{Agent, ApiErrorKind, EndReason, Event, EventKind, InputNeed, ToolCall};

/// The prefix Claude Code puts on prompts it injects itself when a background task finishes.
pub const TASK_NOTIFICATION_PREFIX: &str = "<task-notification>";

/// The prefix of a tool result that never ran (validation error, hook block, permission denial).
pub const TOOL_USE_ERROR_PREFIX: &str = "<tool_use_error>";

/// Parses one Claude Code hook JSON document.
///
/// ```
/// use cc_notify_core::agent::claude;
/// use cc_notify_core::event::EventKind;
/// let ev = claude::parse(br#"{"session_id":"s1","hook_event_name":"Stop",
///     "last_assistant_message":"done","tool_response":{"huge":"skipped"}}"#).unwrap();
/// assert!(matches!(ev.kind, EventKind::TurnEnded { .. }));
/// ```
pub fn parse(input: &[u8]) -> Result<Event, ParseError> {
    // serde would read a JSON array into the struct field by field: only objects are events.
    let first = input.iter().find(|b| !b.is_ascii_whitespace());
    if first.is_some_and(|&b| b != b'{') && serde_json::from_slice::<IgnoredAny>(input).is_ok() {
        return Err(ParseError::NotAnObject);
    }
    let raw: Raw = serde_json::from_slice(input)?;
    raw.into_event()
}

/// Reads a hook document from `input` to its end, keeping only the top-level fields [`parse`]
/// reads ([`READ_FIELDS`]), so memory follows those fields and not the megabytes of tool input
/// and output a PostToolUse can carry.
///
/// ```
/// use cc_notify_core::agent::claude;
/// let doc = br#"{"session_id":"s1","hook_event_name":"PostToolUse","tool_name":"Write",
///     "tool_input":{"content":"...megabytes..."}}"#;
/// let kept = claude::read_document(&doc[..]).unwrap();
/// assert_eq!(claude::parse(&kept).unwrap(), claude::parse(doc).unwrap());
/// ```
pub fn read_document(input: impl Read) -> io::Result<Vec<u8>> {
    read_input(input, |key| READ_FIELDS.iter().any(|f| f.as_bytes() == key))
}

/// A `notification_type`: what the user is asked for, or what else Claude Code tells them.
fn notification(wire: &str, message: Option<String>) -> EventKind {
    let need = match wire {
        "permission_prompt" => InputNeed::Permission,
        "idle_prompt" => InputNeed::Idle,
        "elicitation_dialog" => InputNeed::Question,
        "elicitation_url_dialog" => InputNeed::OpenUrl,
        other => {
            return EventKind::Notice {
                what: other.to_owned(),
                message,
            };
        }
    };
    EventKind::NeedsInput { need, message }
}

/// A StopFailure's `error`.
fn api_error(wire: &str) -> ApiErrorKind {
    match wire {
        "rate_limit" => ApiErrorKind::RateLimit,
        "authentication_failed" | "oauth_org_not_allowed" | "cloud_credential_error" => {
            ApiErrorKind::AuthFailed
        }
        "billing_error" | "account_on_hold" | "verification_required" => ApiErrorKind::Account,
        "overloaded" => ApiErrorKind::Overloaded,
        "server_error" => ApiErrorKind::ServerError,
        "invalid_request" => ApiErrorKind::InvalidRequest,
        "model_not_found" => ApiErrorKind::ModelNotFound,
        "max_output_tokens" => ApiErrorKind::MaxOutputTokens,
        other => ApiErrorKind::Other(other.to_owned()),
    }
}

/// A SessionEnd's `reason`.
fn end_reason(wire: &str) -> EndReason {
    match wire {
        "clear" => EndReason::Cleared,
        "resume" => EndReason::Resumed,
        "logout" => EndReason::LoggedOut,
        "prompt_input_exit" => EndReason::Exited,
        other => EndReason::Other(other.to_owned()),
    }
}

/// The top-level fields [`parse`] reads: `Raw`'s fields (a test keeps them equal).
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
    fn into_event(self) -> Result<Event, ParseError> {
        let name = self
            .hook_event_name
            .ok_or(ParseError::Missing("hook_event_name"))?;
        let session_id = self.session_id.ok_or(ParseError::Missing("session_id"))?;
        let tool_name = self.tool_name.unwrap_or_default();
        let agent_type = self.agent_type.unwrap_or_default();
        let (known, kind): (&'static str, _) = match name.as_str() {
            "SessionStart" => (
                "SessionStart",
                EventKind::SessionStarted {
                    source: self.source,
                },
            ),
            "UserPromptSubmit" => (
                "UserPromptSubmit",
                if self.prompt.is_some_and(|p| p.0) {
                    EventKind::TurnContinued
                } else {
                    EventKind::TurnStarted
                },
            ),
            "PreToolUse" => ("PreToolUse", EventKind::ToolStarting { tool_name }),
            "PermissionRequest" => (
                "PermissionRequest",
                EventKind::PermissionAsked { tool_name },
            ),
            "PostToolUse" => ("PostToolUse", EventKind::ToolSucceeded { tool_name }),
            "PostToolUseFailure" => (
                "PostToolUseFailure",
                EventKind::ToolFailed {
                    tool_name,
                    error: self.error,
                    interrupted: self.is_interrupt.unwrap_or(false),
                },
            ),
            "PostToolBatch" => (
                "PostToolBatch",
                EventKind::ToolRoundFinished {
                    calls: self
                        .tool_calls
                        .unwrap_or_default()
                        .into_iter()
                        .map(|c| ToolCall {
                            tool_name: c.tool_name.unwrap_or_default(),
                            refused: c.tool_response.is_some_and(|r| r.0),
                        })
                        .collect(),
                },
            ),
            "Notification" => (
                "Notification",
                notification(
                    self.notification_type.as_deref().unwrap_or(""),
                    self.message,
                ),
            ),
            "Stop" => (
                "Stop",
                EventKind::TurnEnded {
                    after_blocked_end: self.stop_hook_active.unwrap_or(false),
                    reply: self.last_assistant_message,
                    background_running: self.background_tasks.map_or(0, |c| c.0),
                },
            ),
            "StopFailure" => (
                "StopFailure",
                EventKind::ApiError {
                    error: api_error(self.error.as_deref().unwrap_or("unknown")),
                    message: self.last_assistant_message,
                },
            ),
            "SubagentStart" => ("SubagentStart", EventKind::SubagentStarted { agent_type }),
            "SubagentStop" => (
                "SubagentStop",
                EventKind::SubagentEnded {
                    agent_type,
                    reply: self.last_assistant_message,
                },
            ),
            "PreCompact" => (
                "PreCompact",
                EventKind::Compacting {
                    trigger: self.trigger,
                },
            ),
            "PostCompact" => (
                "PostCompact",
                EventKind::Compacted {
                    trigger: self.trigger,
                },
            ),
            "SessionEnd" => (
                "SessionEnd",
                EventKind::SessionEnded {
                    reason: end_reason(self.reason.as_deref().unwrap_or("other")),
                },
            ),
            _ => ("", EventKind::Unknown),
        };
        let name = if known.is_empty() {
            Cow::Owned(name)
        } else {
            Cow::Borrowed(known)
        };
        Ok(Event {
            agent: Agent::Claude,
            name,
            session_id,
            transcript_path: self.transcript_path,
            cwd: self.cwd,
            turn_id: self.prompt_id,
            subagent: self.agent_id,
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

    fn parse_str(s: &str) -> Event {
        parse(s.as_bytes()).expect("parses")
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
        let kept = read_document(doc.as_bytes()).unwrap();
        assert!(kept.len() < 200, "{} bytes kept", kept.len());
        assert_eq!(parse(&kept).unwrap(), parse(doc.as_bytes()).unwrap());
    }

    #[test]
    fn stop_with_running_background_task_counts_it() {
        let ev = parse_str(
            r#"{"session_id":"s","transcript_path":"/t.jsonl","cwd":"/home/dev/proj","prompt_id":"p","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"Subagent reported back; done.","background_tasks":[{"id":"a","type":"subagent","status":"running"},{"id":"b","status":"completed"}],"session_crons":[]}"#,
        );
        assert_eq!(
            ev.kind,
            EventKind::TurnEnded {
                after_blocked_end: false,
                reply: Some("Subagent reported back; done.".into()),
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
        let ev = parse_str(
            r#"{"session_id":"s","hook_event_name":"UserPromptSubmit","prompt":"<task-notification>\n<task-id>a</task-id></task-notification>"}"#,
        );
        assert_eq!(ev.kind, EventKind::TurnContinued);
        let ev = parse_str(
            r#"{"session_id":"s","hook_event_name":"UserPromptSubmit","prompt":"fix the tests"}"#,
        );
        assert_eq!(ev.kind, EventKind::TurnStarted);
        assert_eq!(ev.name(), "UserPromptSubmit");
    }

    #[test]
    fn batch_marks_tool_use_errors() {
        let ev = parse_str(
            r#"{"session_id":"s","hook_event_name":"PostToolBatch","tool_calls":[{"tool_name":"Bash","tool_input":{"command":"echo p1"},"tool_response":"p1"},{"tool_name":"Bash","tool_response":"<tool_use_error>Blocked</tool_use_error>"},{"tool_name":"Read","tool_response":{"file":{"content":"x"}}}]}"#,
        );
        let EventKind::ToolRoundFinished { calls } = ev.kind else {
            panic!("not a batch")
        };
        let errs: Vec<bool> = calls.iter().map(|c| c.refused).collect();
        assert_eq!(errs, [false, true, false]);
    }

    #[test]
    fn every_hook_event_maps_onto_its_neutral_kind_and_keeps_its_name() {
        let cases: &[(&str, &str, EventKind)] = &[
            (
                "SessionStart",
                r#""source":"startup""#,
                EventKind::SessionStarted {
                    source: Some("startup".into()),
                },
            ),
            (
                "UserPromptSubmit",
                r#""prompt":"hi""#,
                EventKind::TurnStarted,
            ),
            (
                "UserPromptSubmit",
                r#""prompt":"<task-notification>x""#,
                EventKind::TurnContinued,
            ),
            (
                "PreToolUse",
                r#""tool_name":"Bash""#,
                EventKind::ToolStarting {
                    tool_name: "Bash".into(),
                },
            ),
            (
                "PermissionRequest",
                r#""tool_name":"Bash""#,
                EventKind::PermissionAsked {
                    tool_name: "Bash".into(),
                },
            ),
            (
                "PostToolUse",
                r#""tool_name":"Bash""#,
                EventKind::ToolSucceeded {
                    tool_name: "Bash".into(),
                },
            ),
            (
                "PostToolUseFailure",
                r#""tool_name":"Bash","error":"Exit 1","is_interrupt":true"#,
                EventKind::ToolFailed {
                    tool_name: "Bash".into(),
                    error: Some("Exit 1".into()),
                    interrupted: true,
                },
            ),
            (
                "PostToolBatch",
                r#""tool_calls":[]"#,
                EventKind::ToolRoundFinished { calls: vec![] },
            ),
            (
                "Notification",
                r#""notification_type":"permission_prompt","message":"m""#,
                EventKind::NeedsInput {
                    need: InputNeed::Permission,
                    message: Some("m".into()),
                },
            ),
            (
                "Notification",
                r#""notification_type":"idle_prompt""#,
                EventKind::NeedsInput {
                    need: InputNeed::Idle,
                    message: None,
                },
            ),
            (
                "Notification",
                r#""notification_type":"elicitation_dialog""#,
                EventKind::NeedsInput {
                    need: InputNeed::Question,
                    message: None,
                },
            ),
            (
                "Notification",
                r#""notification_type":"elicitation_url_dialog""#,
                EventKind::NeedsInput {
                    need: InputNeed::OpenUrl,
                    message: None,
                },
            ),
            (
                "Notification",
                r#""notification_type":"auth_success""#,
                EventKind::Notice {
                    what: "auth_success".into(),
                    message: None,
                },
            ),
            (
                "Stop",
                r#""stop_hook_active":true,"last_assistant_message":"r""#,
                EventKind::TurnEnded {
                    reply: Some("r".into()),
                    after_blocked_end: true,
                    background_running: 0,
                },
            ),
            (
                "StopFailure",
                r#""error":"overloaded","last_assistant_message":"e""#,
                EventKind::ApiError {
                    error: ApiErrorKind::Overloaded,
                    message: Some("e".into()),
                },
            ),
            (
                "StopFailure",
                "",
                EventKind::ApiError {
                    error: ApiErrorKind::Other("unknown".into()),
                    message: None,
                },
            ),
            (
                "SubagentStart",
                r#""agent_type":"Explore""#,
                EventKind::SubagentStarted {
                    agent_type: "Explore".into(),
                },
            ),
            (
                "SubagentStop",
                r#""agent_type":"Explore","last_assistant_message":"r""#,
                EventKind::SubagentEnded {
                    agent_type: "Explore".into(),
                    reply: Some("r".into()),
                },
            ),
            (
                "PreCompact",
                r#""trigger":"auto""#,
                EventKind::Compacting {
                    trigger: Some("auto".into()),
                },
            ),
            (
                "PostCompact",
                r#""trigger":"manual""#,
                EventKind::Compacted {
                    trigger: Some("manual".into()),
                },
            ),
            (
                "SessionEnd",
                r#""reason":"clear""#,
                EventKind::SessionEnded {
                    reason: EndReason::Cleared,
                },
            ),
            (
                "SessionEnd",
                r#""reason":"resume""#,
                EventKind::SessionEnded {
                    reason: EndReason::Resumed,
                },
            ),
            (
                "SessionEnd",
                r#""reason":"logout""#,
                EventKind::SessionEnded {
                    reason: EndReason::LoggedOut,
                },
            ),
            (
                "SessionEnd",
                r#""reason":"prompt_input_exit""#,
                EventKind::SessionEnded {
                    reason: EndReason::Exited,
                },
            ),
            (
                "SessionEnd",
                "",
                EventKind::SessionEnded {
                    reason: EndReason::Other("other".into()),
                },
            ),
        ];
        for (name, fields, kind) in cases {
            let sep = if fields.is_empty() { "" } else { "," };
            let ev = parse_str(&format!(
                r#"{{"session_id":"s","hook_event_name":"{name}","prompt_id":"p","agent_id":"a"{sep}{fields}}}"#
            ));
            assert_eq!(&ev.kind, kind, "{name} {fields}");
            assert_eq!((ev.agent, ev.name()), (Agent::Claude, *name));
            assert_eq!(
                (ev.turn_id.as_deref(), ev.subagent.as_deref()),
                (Some("p"), Some("a"))
            );
        }
    }

    #[test]
    fn unknown_events_and_fields_are_accepted() {
        let ev = parse_str(
            r#"{"session_id":"s","hook_event_name":"ConfigChange","source":"user","new_field":[1,2,{"x":null}]}"#,
        );
        assert_eq!(ev.kind, EventKind::Unknown);
        assert_eq!(ev.name(), "ConfigChange");
        let ev = parse_str(
            r#"{"session_id":"s","hook_event_name":"Notification","notification_type":"agent_needs_input"}"#,
        );
        assert_eq!(
            ev.kind,
            EventKind::Notice {
                what: "agent_needs_input".into(),
                message: None
            }
        );
    }

    #[test]
    fn stop_failure_error_in_words() {
        let ev = parse_str(
            r#"{"session_id":"s","hook_event_name":"StopFailure","error":"rate_limit","last_assistant_message":"API Error: Request rejected (429)"}"#,
        );
        let EventKind::ApiError { error, .. } = ev.kind else {
            panic!()
        };
        assert_eq!(error.describe(), "rate limited");
    }

    #[test]
    fn malformed_input_is_a_typed_error() {
        assert!(matches!(parse(b""), Err(ParseError::Json(_))));
        assert!(matches!(parse(b"\xff\xfe"), Err(ParseError::Json(_))));
        assert!(matches!(parse(b"[1,2]"), Err(ParseError::NotAnObject)));
        // A fuzz find: serde reads an array into a struct field by field.
        assert!(matches!(
            parse(br#"["s", "Stop"]"#),
            Err(ParseError::NotAnObject)
        ));
        assert!(matches!(
            parse(br#"{"hook_event_name":"Stop"}"#),
            Err(ParseError::Missing("session_id"))
        ));
        assert!(matches!(
            parse(br#"{"session_id":"s","hook_event_name":"Stop","stop_hook_active":"yes"}"#),
            Err(ParseError::Json(_))
        ));
        let deep = "[".repeat(100_000);
        let doc = format!(
            r#"{{"session_id":"s","hook_event_name":"PostToolUse","tool_response":{deep}}}"#
        );
        assert!(parse(doc.as_bytes()).is_err());
    }

    #[test]
    fn large_tool_response_is_skipped() {
        let big = "x".repeat(3 << 20);
        let doc = format!(
            r#"{{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{{"content":"{big}"}},"tool_response":{{"content":"{big}"}}}}"#
        );
        let ev = parse(doc.as_bytes()).expect("parses");
        assert_eq!(
            ev.kind,
            EventKind::ToolSucceeded {
                tool_name: "Write".into()
            }
        );
    }
}
