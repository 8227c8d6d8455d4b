//! One loopback stand-in for the model APIs the other coding agents speak — OpenAI Responses
//! (Codex, Copilot), OpenAI Chat Completions (OpenCode, Qwen Code) and Gemini
//! `generateContent` (Gemini CLI) — all on one port, routed by path.
//!
//! The conversation is the same [`Script`] the Anthropic stand-in plays, chosen the same way:
//! by **content**, never by request order. The prompt is the last user message holding one of
//! the script keywords; the number of tool results after it says which step comes next. A
//! request offering no shell tool (a title or routing side request) gets a plain reply.
//!
//! ```no_run
//! use cc_notify_testkit::model_api::FakeModelApi;
//! let api = FakeModelApi::start().unwrap();
//! // Codex:   model_providers.fake.base_url = api.openai_base()      (".../v1")
//! // Gemini:  GOOGLE_GEMINI_BASE_URL = api.url()
//! assert!(api.openai_base().ends_with("/v1"));
//! ```

use serde_json::{Map, Value, json};

pub use crate::anthropic::{
    DEFAULT_REPLY, FAIL_REPLY, FAILING_COMMAND, MULTI_REPLY, MULTI_STEPS, OK_COMMAND,
    PERMISSION_REPLY, RECOVERED_REPLY, SECRET_API_KEY, SECRET_GITHUB_TOKEN, SLOW_COMMAND,
    SLOW_REPLY, Script, TOOL_REPLY, multi_step_text, say,
};
pub(crate) use crate::stand_in::Reply;
use crate::stand_in::{RecordedRequest, StandIn, StartError};
use crate::{gemini, openai};

/// The command [`Script::Permission`] runs for the other agents: it writes outside the project
/// directory, which every sandboxing agent asks about (Codex escalation, OpenCode
/// `external_directory`).
pub const OUTSIDE_COMMAND: &str = "touch ../cc-notify-e2e-outside.txt";

/// The tools, by name, that run a shell command, in the order they are preferred.
const SHELL_TOOLS: [&str; 5] = ["exec_command", "run_shell_command", "bash", "shell", "Bash"];

/// What the user said and what happened since, read from one request.
#[derive(Debug, Default)]
pub(crate) struct Conversation {
    /// The texts of the user messages, oldest first, each with the number of tool results
    /// that follow it (anywhere later in the conversation: side requests that quote the
    /// conversation put their own user message after it).
    pub users: Vec<(String, usize)>,
    /// The shell tool offered, with its parameter schema.
    pub shell: Option<(String, Value)>,
}

impl Conversation {
    /// Records a user message. Double quotes are dropped: OpenCode's `run` quotes the prompt.
    pub fn user(&mut self, text: &str) {
        self.users.push((text.replace('"', " "), 0));
    }

    /// Records a tool result after every user message so far.
    pub fn tool_result(&mut self) {
        for (_, rounds) in &mut self.users {
            *rounds += 1;
        }
    }

    /// Offers `name` with `schema`; keeps the most preferred shell tool seen.
    pub fn offer(&mut self, name: &str, schema: &Value) {
        let rank = |n: &str| SHELL_TOOLS.iter().position(|s| *s == n);
        let Some(new) = rank(name) else { return };
        if self
            .shell
            .as_ref()
            .and_then(|(old, _)| rank(old))
            .is_none_or(|old| new < old)
        {
            self.shell = Some((name.to_owned(), schema.clone()));
        }
    }
}

/// The model's next move, independent of wire format.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Move {
    /// Reply with text and end the turn.
    Text(String),
    /// Optional text, then one call of the shell tool `name` with these JSON arguments.
    Call {
        /// Text said before the call.
        text: Option<String>,
        /// The tool's name.
        name: String,
        /// The arguments object.
        arguments: Value,
    },
    /// Answer HTTP 500.
    Error,
}

impl Move {
    pub(crate) fn describe(&self) -> String {
        match self {
            Move::Text(t) => format!("text {t:?}"),
            Move::Call {
                name, arguments, ..
            } => format!("call {name} {arguments}"),
            Move::Error => "500".to_owned(),
        }
    }
}

/// Chooses the next move from what the request holds.
pub(crate) fn next_move(conversation: &Conversation) -> Move {
    let found = conversation
        .users
        .iter()
        .rev()
        .find_map(|(text, rounds)| Script::find(text).map(|s| (s, text, *rounds)));
    let Some((script, prompt, step)) = found else {
        return Move::Text(DEFAULT_REPLY.to_owned());
    };
    if script == Script::ApiError {
        return Move::Error;
    }
    let Some((tool, schema)) = &conversation.shell else {
        if script == Script::Say {
            return Move::Text(said(prompt));
        }
        return Move::Text(DEFAULT_REPLY.to_owned());
    };
    let call = |text: Option<String>, command: &str| Move::Call {
        text,
        name: tool.clone(),
        arguments: shell_arguments(schema, command, script == Script::Permission),
    };
    match (script, step) {
        (Script::Say, _) => Move::Text(said(prompt)),
        (Script::Secret, _) => Move::Text(format!(
            "Here is the config: OPENAI_API_KEY={SECRET_API_KEY} and GITHUB_TOKEN={SECRET_GITHUB_TOKEN} are set."
        )),
        (Script::Tool, 0) => call(None, OK_COMMAND),
        (Script::Tool, _) => Move::Text(TOOL_REPLY.to_owned()),
        (Script::ToolFails, 0) => call(None, FAILING_COMMAND),
        (Script::ToolFails, _) => Move::Text(FAIL_REPLY.to_owned()),
        (Script::FailThenOk, 0) => call(None, FAILING_COMMAND),
        (Script::FailThenOk, 1) => call(None, OK_COMMAND),
        (Script::FailThenOk, _) => Move::Text(RECOVERED_REPLY.to_owned()),
        (Script::Permission, 0) => call(None, OUTSIDE_COMMAND),
        (Script::Permission, _) => Move::Text(PERMISSION_REPLY.to_owned()),
        (Script::MultiStep, n) if n < MULTI_STEPS => call(Some(multi_step_text(n + 1)), OK_COMMAND),
        (Script::MultiStep, _) => Move::Text(MULTI_REPLY.to_owned()),
        (Script::Slow, 0) => call(None, SLOW_COMMAND),
        (Script::Slow, _) => Move::Text(SLOW_REPLY.to_owned()),
        (Script::ApiError, _) => Move::Error,
    }
}

/// The rest of the line after [`Script::Say`]'s keyword.
fn said(prompt: &str) -> String {
    prompt
        .lines()
        .find_map(|l| l.split_once(Script::Say.keyword()).map(|(_, rest)| rest))
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// Arguments for a shell tool, filled from its JSON schema: the command goes in `cmd` or
/// `command` (an array when the schema says so), other required fields get harmless values.
/// `escalate` asks Codex to run outside its sandbox (which needs the user's approval).
pub(crate) fn shell_arguments(schema: &Value, command: &str, escalate: bool) -> Value {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut args = Map::new();
    let key = if properties.contains_key("cmd") {
        "cmd"
    } else {
        "command"
    };
    let is_array = properties
        .get(key)
        .and_then(|p| p.get("type"))
        .and_then(Value::as_str)
        == Some("array");
    args.insert(
        key.to_owned(),
        if is_array {
            json!(["bash", "-lc", command])
        } else {
            json!(command)
        },
    );
    for (name, property) in properties {
        if args.contains_key(name) {
            continue;
        }
        let value = match name.as_str() {
            "description" => json!("e2e step"),
            // Codex refuses a justification without an escalation request.
            "justification" if escalate => json!("e2e step"),
            "sandbox_permissions" if escalate => json!("require_escalated"),
            _ if !required.contains(&name.as_str()) => continue,
            _ => placeholder(property),
        };
        args.insert(name.clone(), value);
    }
    Value::Object(args)
}

/// A harmless value of the type `property` asks for.
fn placeholder(property: &Value) -> Value {
    if let Some(first) = property
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    match property.get("type").and_then(Value::as_str) {
        Some("boolean") => json!(false),
        Some("integer" | "number") => json!(10),
        Some("array") => json!([]),
        Some("object") => json!({}),
        _ => json!("e2e"),
    }
}

/// The running stand-in; stops when dropped.
pub struct FakeModelApi(StandIn);

impl FakeModelApi {
    /// Starts the stand-in on 127.0.0.1 with an ephemeral port, serving from a thread (each
    /// request on its own: agents hold a stream open while asking again).
    pub fn start() -> Result<Self, StartError> {
        StandIn::start(answer, true).map(Self)
    }

    /// The base URL without a path (Gemini's `GOOGLE_GEMINI_BASE_URL`).
    pub fn url(&self) -> &str {
        self.0.url()
    }

    /// The OpenAI-style base URL, `<url>/v1`.
    pub fn openai_base(&self) -> String {
        format!("{}/v1", self.0.url())
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.0.requests()
    }

    /// A readable summary of the requests, one line each, for test failure messages.
    pub fn summary(&self) -> String {
        self.0.summary()
    }
}

/// Answers one request in the protocol its path names.
fn answer(method: &str, path: &str, body: &str) -> Reply {
    let parsed = serde_json::from_str::<Value>(body).unwrap_or(Value::Null);
    match (method, path) {
        ("POST", "/v1/responses") => openai::responses(&parsed),
        ("POST", "/v1/chat/completions") => openai::chat(&parsed),
        ("GET", "/v1/models") => Reply::json(200, &json!({"object": "list", "data": []})),
        ("POST", p) if p.starts_with("/v1beta/models/") => gemini::answer(p, &parsed),
        _ => Reply::json(404, &json!({"error": {"message": "not found"}})),
    }
}

/// A fresh id with `prefix`, unique in this process.
pub(crate) fn fresh_id(prefix: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}_e2e{n:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conversation(users: &[(&str, usize)], shell: Option<(&str, Value)>) -> Conversation {
        Conversation {
            users: users.iter().map(|(t, r)| ((*t).to_owned(), *r)).collect(),
            shell: shell.map(|(n, s)| (n.to_owned(), s)),
        }
    }

    fn schema(props: Value, required: &[&str]) -> Value {
        json!({"type": "object", "properties": props, "required": required})
    }

    #[test]
    fn the_keyword_prompt_wins_over_later_context_messages() {
        let prompt = Script::ToolFails.prompt();
        let c = conversation(
            &[(prompt.as_str(), 1), ("<environment_context/>", 0)],
            Some(("bash", schema(json!({"command": {}}), &["command"]))),
        );
        assert_eq!(next_move(&c), Move::Text(FAIL_REPLY.to_owned()));
    }

    #[test]
    fn tool_results_after_a_later_user_message_still_count() {
        let bash = schema(json!({"command": {"type": "string"}}), &["command"]);
        let mut c = Conversation::default();
        c.user(&format!("\"{}\"", Script::ToolFails.prompt()));
        c.user("Now update the memory files.");
        c.offer("bash", &bash);
        c.tool_result();
        assert_eq!(next_move(&c), Move::Text(FAIL_REPLY.to_owned()));
    }

    #[test]
    fn steps_follow_tool_results() {
        let bash = schema(json!({"command": {"type": "string"}}), &["command"]);
        let prompt = Script::FailThenOk.prompt();
        let at = |rounds| {
            next_move(&conversation(
                &[(&prompt, rounds)],
                Some(("bash", bash.clone())),
            ))
        };
        assert!(
            matches!(at(0), Move::Call { arguments, .. } if arguments["command"] == FAILING_COMMAND)
        );
        assert!(
            matches!(at(1), Move::Call { arguments, .. } if arguments["command"] == OK_COMMAND)
        );
        assert_eq!(at(2), Move::Text(RECOVERED_REPLY.to_owned()));
    }

    #[test]
    fn side_requests_without_a_shell_tool_get_plain_text() {
        let prompt = Script::Tool.prompt();
        let c = conversation(&[(&prompt, 0)], None);
        assert_eq!(next_move(&c), Move::Text(DEFAULT_REPLY.to_owned()));
        let c = conversation(&[(&say("hi there"), 0)], None);
        assert_eq!(next_move(&c), Move::Text("hi there".to_owned()));
    }

    #[test]
    fn codex_arguments_use_cmd_and_escalate_only_for_permission() {
        let codex = schema(
            json!({"cmd": {"type": "string"}, "sandbox_permissions": {"type": "string"},
                   "justification": {"type": "string"}, "yield_time_ms": {"type": "number"}}),
            &["cmd"],
        );
        let args = shell_arguments(&codex, "ls", true);
        assert_eq!(args["cmd"], "ls");
        assert_eq!(args["sandbox_permissions"], "require_escalated");
        assert!(args.get("yield_time_ms").is_none());
        assert!(
            shell_arguments(&codex, "ls", false)
                .get("sandbox_permissions")
                .is_none()
        );
    }

    #[test]
    fn required_fields_get_placeholders_of_their_type() {
        let s = schema(
            json!({"command": {"type": "array"}, "mode": {"enum": ["sync", "async"]},
                   "timeout": {"type": "integer"}}),
            &["command", "mode", "timeout"],
        );
        let args = shell_arguments(&s, "ls", false);
        assert_eq!(args["command"], json!(["bash", "-lc", "ls"]));
        assert_eq!(args["mode"], "sync");
        assert_eq!(args["timeout"], 10);
    }

    #[test]
    fn the_preferred_shell_tool_is_kept() {
        let mut c = Conversation::default();
        c.offer("bash", &json!({}));
        c.offer("read", &json!({}));
        c.offer("exec_command", &json!({}));
        c.offer("shell", &json!({}));
        assert_eq!(c.shell.map(|(n, _)| n).as_deref(), Some("exec_command"));
    }
}
