//! A stand-in for the Anthropic Messages API that lets the real Claude Code CLI run scripted
//! turns against 127.0.0.1.
//!
//! Replies are chosen by **content**, never by request order (Claude Code retries and sends side
//! requests): the last user message that is a prompt (holds no `tool_result` block) must contain
//! one of the [`Script`] keywords, and the number of tool rounds since that prompt (user
//! messages holding a `tool_result`) says which step of the script comes next. A prompt without
//! a keyword, or a request offering no tools (a side request), gets a short plain reply.
//!
//! ```no_run
//! use cc_notify_testkit::anthropic::{FakeAnthropic, Script};
//! let api = FakeAnthropic::start().unwrap();
//! // ANTHROPIC_BASE_URL=api.url(), then: claude -p "<Script::ToolFails.prompt()>"
//! assert!(Script::ToolFails.prompt().contains("e2e-tool-fails"));
//! ```

use serde_json::{Value, json};

/// A scripted conversation, selected by its keyword in the user's prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    /// `e2e-say <text>`: replies with `<text>` (the rest of the prompt line) and ends the turn.
    Say,
    /// `e2e-tool`: one Bash call that succeeds ([`OK_COMMAND`]), then [`TOOL_REPLY`].
    Tool,
    /// `e2e-tool-fails`: one Bash call that fails ([`FAILING_COMMAND`]), then [`FAIL_REPLY`].
    ToolFails,
    /// `e2e-fail-then-ok`: a failing Bash call, then a succeeding one, then [`RECOVERED_REPLY`].
    FailThenOk,
    /// `e2e-secret`: a reply holding [`SECRET_API_KEY`] and [`SECRET_GITHUB_TOKEN`].
    Secret,
    /// `e2e-permission`: a Bash call that needs permission ([`PERMISSION_COMMAND`]), then
    /// [`PERMISSION_REPLY`] once the tool ran.
    Permission,
    /// `e2e-multi`: three rounds of text + Bash call ([`multi_step_text`]), then [`MULTI_REPLY`].
    MultiStep,
    /// `e2e-api-error`: HTTP 500 `api_error` to every request of the turn.
    ApiError,
    /// `e2e-slow`: one Bash call that takes a while ([`SLOW_COMMAND`]), then [`SLOW_REPLY`];
    /// room to type or submit while the turn runs.
    Slow,
}

/// Every script, longest keyword first so that matching is unambiguous.
const SCRIPTS: [Script; 9] = [
    Script::FailThenOk,
    Script::Permission,
    Script::ToolFails,
    Script::ApiError,
    Script::MultiStep,
    Script::Secret,
    Script::Tool,
    Script::Slow,
    Script::Say,
];

/// The command the succeeding Bash calls run.
pub const OK_COMMAND: &str = "echo e2e-ok";
/// The command the failing Bash calls run (exit code 2).
pub const FAILING_COMMAND: &str = "ls /nonexistent-dir-xyz";
/// The command of [`Script::Permission`]; not pre-allowed, so the TUI asks for permission.
pub const PERMISSION_COMMAND: &str = "touch x.txt";
/// The command of [`Script::Slow`].
pub const SLOW_COMMAND: &str = "sleep 4";
/// Final reply of [`Script::Slow`].
pub const SLOW_REPLY: &str = "The slow job is done.";
/// Final reply of [`Script::Tool`].
pub const TOOL_REPLY: &str = "The command ran fine.";
/// Final reply of [`Script::ToolFails`].
pub const FAIL_REPLY: &str = "The directory does not exist, so the listing failed.";
/// Final reply of [`Script::FailThenOk`].
pub const RECOVERED_REPLY: &str = "The second command worked; all done.";
/// Final reply of [`Script::Permission`].
pub const PERMISSION_REPLY: &str = "Created x.txt.";
/// Final reply of [`Script::MultiStep`].
pub const MULTI_REPLY: &str = "All three steps are done.";
/// Reply to a prompt without keyword or to a side request.
pub const DEFAULT_REPLY: &str = "OK.";
/// A fake Anthropic API key in [`Script::Secret`]'s reply.
pub const SECRET_API_KEY: &str =
    "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz01-23456789AA";
/// A fake GitHub token in [`Script::Secret`]'s reply.
pub const SECRET_GITHUB_TOKEN: &str = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";
/// How many intermediate rounds [`Script::MultiStep`] has.
pub const MULTI_STEPS: usize = 3;

impl Script {
    /// The keyword that selects this script.
    pub fn keyword(self) -> &'static str {
        match self {
            Script::Say => "e2e-say",
            Script::Tool => "e2e-tool",
            Script::ToolFails => "e2e-tool-fails",
            Script::FailThenOk => "e2e-fail-then-ok",
            Script::Secret => "e2e-secret",
            Script::Permission => "e2e-permission",
            Script::MultiStep => "e2e-multi",
            Script::ApiError => "e2e-api-error",
            Script::Slow => "e2e-slow",
        }
    }

    /// A prompt that selects this script (for [`Script::Say`], use [`say`] instead).
    pub fn prompt(self) -> String {
        format!("{} please", self.keyword())
    }

    /// The script whose keyword appears as a whole word in `prompt`.
    pub fn find(prompt: &str) -> Option<Script> {
        let words: Vec<&str> = prompt.split_whitespace().collect();
        SCRIPTS
            .into_iter()
            .find(|script| words.contains(&script.keyword()))
    }
}

/// A prompt that makes the stand-in reply exactly `text` (one line).
pub fn say(text: &str) -> String {
    format!("{} {text}", Script::Say.keyword())
}

/// The text block of [`Script::MultiStep`]'s intermediate round `step` (1-based).
pub fn multi_step_text(step: usize) -> String {
    format!("Step {step} of {MULTI_STEPS}: running a check.")
}

pub use crate::stand_in::{RecordedRequest, StartError};
use crate::stand_in::{Reply, StandIn};

/// The running stand-in; stops when dropped.
pub struct FakeAnthropic(StandIn);

impl FakeAnthropic {
    /// Starts the stand-in on 127.0.0.1 with an ephemeral port, serving from a thread.
    pub fn start() -> Result<Self, StartError> {
        StandIn::start(answer, false).map(Self)
    }

    /// The base URL, for `ANTHROPIC_BASE_URL` (no trailing slash).
    pub fn url(&self) -> &str {
        self.0.url()
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

/// What to send back for one request.
enum Answer {
    /// 200 with a JSON body.
    Json(Value),
    /// 200 with an SSE stream of one assistant message.
    Stream(Message),
    /// An error status with an Anthropic error body.
    Error(u16, &'static str, &'static str),
}

/// One assistant message: content blocks and the stop reason.
struct Message {
    blocks: Vec<Block>,
    stop_reason: &'static str,
}

/// One content block of an assistant message.
enum Block {
    Text(String),
    Bash(String),
}

impl Message {
    fn text(text: impl Into<String>) -> Self {
        Self {
            blocks: vec![Block::Text(text.into())],
            stop_reason: "end_turn",
        }
    }

    fn bash(text: Option<String>, command: &str) -> Self {
        let mut blocks: Vec<Block> = text.into_iter().map(Block::Text).collect();
        blocks.push(Block::Bash(command.to_owned()));
        Self {
            blocks,
            stop_reason: "tool_use",
        }
    }

    fn describe(&self) -> String {
        let blocks: Vec<String> = self
            .blocks
            .iter()
            .map(|b| match b {
                Block::Text(t) => format!("text {t:?}"),
                Block::Bash(c) => format!("bash {c:?}"),
            })
            .collect();
        format!("{} [{}]", self.stop_reason, blocks.join(", "))
    }
}

/// Answers one request as the Messages API would.
fn answer(method: &str, path: &str, body: &str) -> Reply {
    let answer = match (method, path) {
        ("POST", "/v1/messages/count_tokens") => Answer::Json(json!({"input_tokens": 42})),
        ("POST", "/v1/messages") => match serde_json::from_str::<Value>(body) {
            Ok(parsed) => answer_messages(&parsed),
            Err(_) => Answer::Error(400, "invalid_request_error", "body is not JSON"),
        },
        ("GET" | "HEAD", "/") => Answer::Json(json!({})),
        _ => Answer::Error(404, "not_found_error", "not found"),
    };
    let mut reply = match answer {
        Answer::Json(value) => Reply::json_described(200, &value, value.to_string()),
        Answer::Stream(message) => {
            let model = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| v.get("model").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| "claude-e2e".to_owned());
            Reply::stream(sse(&message, &model), message.describe())
        }
        Answer::Error(status, kind, text) => {
            let value = json!({"type": "error", "error": {"type": kind, "message": text}});
            Reply::json_described(status, &value, format!("{status} {kind}"))
        }
    };
    reply.headers.push(("request-id", "req_e2e"));
    reply
}

/// Chooses the reply to a Messages API request from its content.
fn answer_messages(body: &Value) -> Answer {
    let offers_tools = body
        .get("tools")
        .and_then(Value::as_array)
        .is_some_and(|tools| !tools.is_empty());
    let messages = body
        .get("messages")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let users: Vec<&Value> = messages
        .iter()
        .filter(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .collect();
    // The prompt is the last user message without tool results; the rounds after it count steps.
    let Some(prompt_index) = users.iter().rposition(|m| !has_tool_result(m)) else {
        return Answer::Stream(Message::text(DEFAULT_REPLY));
    };
    let prompt = text_of(users[prompt_index]);
    let step = users.len() - 1 - prompt_index;
    let Some(script) = Script::find(&prompt) else {
        return Answer::Stream(Message::text(DEFAULT_REPLY));
    };
    if script == Script::ApiError {
        return Answer::Error(500, "api_error", "Internal server error (e2e script)");
    }
    if !offers_tools && script != Script::Say {
        // A side request (title, summary…) quoting the prompt: never answer it with a tool call.
        return Answer::Stream(Message::text(DEFAULT_REPLY));
    }
    Answer::Stream(script_step(script, step, &prompt))
}

/// The assistant message for `step` (number of finished tool rounds) of `script`.
fn script_step(script: Script, step: usize, prompt: &str) -> Message {
    match (script, step) {
        (Script::Say, _) => {
            let line = prompt
                .lines()
                .find_map(|l| l.split_once(Script::Say.keyword()).map(|(_, rest)| rest))
                .unwrap_or("");
            Message::text(line.trim())
        }
        (Script::Secret, _) => Message::text(format!(
            "Here is the config: ANTHROPIC_API_KEY={SECRET_API_KEY} and GITHUB_TOKEN={SECRET_GITHUB_TOKEN} are set."
        )),
        (Script::Tool, 0) => Message::bash(None, OK_COMMAND),
        (Script::Tool, _) => Message::text(TOOL_REPLY),
        (Script::ToolFails, 0) => Message::bash(None, FAILING_COMMAND),
        (Script::ToolFails, _) => Message::text(FAIL_REPLY),
        (Script::FailThenOk, 0) => Message::bash(None, FAILING_COMMAND),
        (Script::FailThenOk, 1) => Message::bash(None, OK_COMMAND),
        (Script::FailThenOk, _) => Message::text(RECOVERED_REPLY),
        (Script::Permission, 0) => Message::bash(None, PERMISSION_COMMAND),
        (Script::Permission, _) => Message::text(PERMISSION_REPLY),
        (Script::MultiStep, n) if n < MULTI_STEPS => {
            Message::bash(Some(multi_step_text(n + 1)), OK_COMMAND)
        }
        (Script::MultiStep, _) => Message::text(MULTI_REPLY),
        (Script::Slow, 0) => Message::bash(None, SLOW_COMMAND),
        (Script::Slow, _) => Message::text(SLOW_REPLY),
        (Script::ApiError, _) => Message::text(DEFAULT_REPLY),
    }
}

fn has_tool_result(message: &Value) -> bool {
    blocks(message).any(|b| b.get("type").and_then(Value::as_str) == Some("tool_result"))
}

/// The text of a message: its string content or its text blocks joined by newlines.
fn text_of(message: &Value) -> String {
    match message.get("content") {
        Some(Value::String(s)) => s.clone(),
        _ => blocks(message)
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

fn blocks(message: &Value) -> impl Iterator<Item = &Value> {
    message
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// Renders one assistant message as the Messages API streaming events.
fn sse(message: &Message, model: &str) -> String {
    static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut out = String::new();
    let mut event = |name: &str, data: Value| {
        out.push_str(&format!("event: {name}\ndata: {data}\n\n"));
    };
    event(
        "message_start",
        json!({"type": "message_start", "message": {
            "id": format!("msg_e2e{id:06}"), "type": "message", "role": "assistant",
            "model": model, "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": 10, "output_tokens": 1,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}}}),
    );
    for (index, block) in message.blocks.iter().enumerate() {
        let (start, delta) = match block {
            Block::Text(text) => (
                json!({"type": "text", "text": ""}),
                json!({"type": "text_delta", "text": text}),
            ),
            Block::Bash(command) => (
                json!({"type": "tool_use", "id": format!("toolu_e2e{id:06}_{index}"),
                       "name": "Bash", "input": {}}),
                json!({"type": "input_json_delta", "partial_json":
                       json!({"command": command, "description": "e2e step"}).to_string()}),
            ),
        };
        event(
            "content_block_start",
            json!({"type": "content_block_start", "index": index, "content_block": start}),
        );
        event(
            "content_block_delta",
            json!({"type": "content_block_delta", "index": index, "delta": delta}),
        );
        event(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        );
    }
    event(
        "message_delta",
        json!({"type": "message_delta",
               "delta": {"stop_reason": message.stop_reason, "stop_sequence": null},
               "usage": {"output_tokens": 20}}),
    );
    event("message_stop", json!({"type": "message_stop"}));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(messages: Value, tools: bool) -> Value {
        let tools = if tools {
            json!([{"name": "Bash"}])
        } else {
            json!([])
        };
        json!({"model": "m", "stream": true, "messages": messages, "tools": tools})
    }

    fn describe(answer: Answer) -> String {
        match answer {
            Answer::Stream(m) => m.describe(),
            Answer::Json(v) => v.to_string(),
            Answer::Error(s, k, _) => format!("{s} {k}"),
        }
    }

    #[test]
    fn keywords_match_whole_words_only() {
        assert_eq!(Script::find("e2e-tool-fails now"), Some(Script::ToolFails));
        assert_eq!(Script::find("run e2e-tool"), Some(Script::Tool));
        assert_eq!(Script::find("e2e-toolbox"), None);
    }

    #[test]
    fn steps_follow_tool_rounds_after_the_last_prompt() {
        let prompt = json!({"role": "user", "content": [
            {"type": "text", "text": "<system-reminder>x</system-reminder>"},
            {"type": "text", "text": Script::FailThenOk.prompt()}]});
        let round = json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t", "content": "x"}]});
        let assistant = json!({"role": "assistant", "content": "…"});
        let first = request(json!([prompt]), true);
        assert!(describe(answer_messages(&first)).contains(FAILING_COMMAND));
        let second = request(json!([prompt, assistant, round]), true);
        assert!(describe(answer_messages(&second)).contains(OK_COMMAND));
        let third = request(json!([prompt, assistant, round, assistant, round]), true);
        assert!(describe(answer_messages(&third)).contains(RECOVERED_REPLY));
        // A new prompt restarts the script, whatever came before.
        let again = request(json!([prompt, assistant, round, assistant, prompt]), true);
        assert!(describe(answer_messages(&again)).contains(FAILING_COMMAND));
    }

    #[test]
    fn side_requests_without_tools_never_get_tool_calls() {
        let body = request(
            json!([{"role": "user", "content": Script::Tool.prompt()}]),
            false,
        );
        assert!(describe(answer_messages(&body)).contains(DEFAULT_REPLY));
    }

    #[test]
    fn say_replies_with_the_given_text() {
        let body = request(
            json!([{"role": "user", "content": say("hello there")}]),
            true,
        );
        assert_eq!(
            describe(answer_messages(&body)),
            "end_turn [text \"hello there\"]"
        );
    }

    #[test]
    fn api_error_script_answers_500() {
        let body = request(
            json!([{"role": "user", "content": Script::ApiError.prompt()}]),
            true,
        );
        assert_eq!(describe(answer_messages(&body)), "500 api_error");
    }

    #[test]
    fn stream_has_the_documented_event_order() {
        let text = sse(&Message::bash(Some("a".into()), "ls"), "m");
        let names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("event: "))
            .collect();
        assert_eq!(
            names,
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
    }
}
