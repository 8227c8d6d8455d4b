//! [`FakeTelegram`]: a Telegram Bot API stand-in for `getMe`, `sendMessage` and the calls
//! inline-button approvals use (`getUpdates`, `answerCallbackQuery`, `editMessageText`,
//! `editMessageReplyMarkup`), written from the Bot API documentation: the token in the path must be a known bot's (401 otherwise), the
//! chat must exist ("chat not found"), the text must be 1-4096 characters (UTF-16 code units)
//! after entity parsing, `parse_mode: "HTML"` text must use only the supported tags and
//! entities ("can't parse entities"), and inline-keyboard buttons need a text and exactly one
//! of an http(s) `url` or a 1-64-byte `callback_data`. Answers have the API's shape:
//! `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…}`, 429 with
//! `parameters.retry_after`.
//!
//! **Updates.** [`Fake::tap`] injects a button tap (a `callback_query` update, from any user,
//! with any data). `getUpdates` long-polls like the real one: it returns the kept updates with
//! `update_id >= offset` (of the kinds in the last `allowed_updates`, at most `limit`), waiting
//! up to `timeout` seconds for one; calling it with an `offset` confirms (forgets) every
//! update before it. Only one `getUpdates` may run per bot: a new one terminates the one
//! still waiting with **409 "Conflict: terminated by other getUpdates request"**, counted by
//! [`Fake::conflicts`]. `answerCallbackQuery` takes each query id once ("query is too old …
//! or query ID is invalid" otherwise); the edits need a message the bot sent to that chat,
//! and refuse an edit that changes nothing ("message is not modified").
//!
//! ```
//! use cc_notify_testkit::telegram::{FakeTelegram, EXAMPLE_TOKEN};
//! let fake = FakeTelegram::start();
//! fake.add_chat(42);
//! assert!(fake.base_url().starts_with("http://127.0.0.1:"));
//! # let _ = EXAMPLE_TOKEN;
//! ```

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::scripted::{Fake, Reply, Request, Service, Streamer};

/// The example token from the Bot API docs' format, accepted by default.
pub const EXAMPLE_TOKEN: &str = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11";
/// Telegram's limit on a message's text, in UTF-16 code units after entity parsing.
pub const MAX_TEXT_UNITS: usize = 4096;
/// The longest long poll `getUpdates` accepts here, in seconds (the real API allows more; a
/// test never needs it).
pub const MAX_POLL_SECS: u64 = 50;
/// The description of the 409 a second concurrent `getUpdates` causes.
pub const CONFLICT: &str = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running";

/// A message the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Its id in the chat.
    pub message_id: i64,
    /// The chat it went to.
    pub chat_id: i64,
    /// Its text after entity parsing (what the user reads).
    pub text: String,
    /// The `reply_markup` as sent, if any.
    pub reply_markup: Option<Value>,
}

/// A button tap to inject (see [`Fake::tap`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tap {
    /// The user who tapped (`callback_query.from.id`).
    pub from: i64,
    /// The chat of the message tapped (`callback_query.message.chat.id`).
    pub chat: i64,
    /// The message tapped.
    pub message_id: i64,
    /// The button's `callback_data`.
    pub data: String,
}

/// An edit the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// `editMessageText` or `editMessageReplyMarkup`.
    pub method: String,
    /// The message edited.
    pub message_id: i64,
    /// Its text afterwards.
    pub text: String,
    /// Its `reply_markup` afterwards (`None`: no buttons).
    pub reply_markup: Option<Value>,
}

/// The update queue and the long poll, shared with the threads answering `getUpdates`.
#[derive(Debug, Default)]
struct Updates {
    /// Kept (unconfirmed) updates, oldest first.
    kept: Vec<Value>,
    next_update_id: i64,
    /// The kinds the bot asked for (`allowed_updates`); empty: all.
    allowed: Vec<String>,
    /// Bumped by every `getUpdates`: a waiting poll whose number is not the latest ends in 409.
    generation: u64,
    conflicts: usize,
    /// Query ids sent in taps, and whether each was answered.
    queries: Vec<(String, bool)>,
    /// `answerCallbackQuery` calls accepted: (query id, text).
    answered: Vec<(String, Option<String>)>,
    closed: bool,
}

#[derive(Debug, Default)]
struct Board {
    updates: Mutex<Updates>,
    changed: Condvar,
}

impl Board {
    fn lock(&self) -> MutexGuard<'_, Updates> {
        self.updates.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The Bot API rules and what was sent.
#[derive(Debug)]
pub struct Telegram {
    tokens: Vec<String>,
    chats: Vec<i64>,
    sent: Vec<Sent>,
    edits: Vec<Edit>,
    next_id: i64,
    board: Arc<Board>,
}

/// A fake Bot API server.
pub type FakeTelegram = Fake<Telegram>;

impl Fake<Telegram> {
    /// Starts a fake that knows the bot [`EXAMPLE_TOKEN`] and no chat.
    pub fn start() -> FakeTelegram {
        Fake::start_with(Telegram {
            tokens: vec![EXAMPLE_TOKEN.into()],
            chats: Vec::new(),
            sent: Vec::new(),
            edits: Vec::new(),
            next_id: 0,
            board: Arc::default(),
        })
    }

    /// Injects a button tap as a `callback_query` update; returns its query id.
    pub fn tap(&self, tap: &Tap) -> String {
        let board = self.with_service(|s| s.board.clone());
        let mut u = board.lock();
        u.next_update_id += 1;
        let update_id = u.next_update_id;
        let query_id = format!("{}{update_id:04}", 4_000_000_000_000_000u64);
        u.queries.push((query_id.clone(), false));
        u.kept.push(json!({"update_id": update_id, "callback_query": {
            "id": query_id,
            "from": {"id": tap.from, "is_bot": false, "first_name": "Tester"},
            "message": {"message_id": tap.message_id, "date": unix_now(),
                        "chat": {"id": tap.chat, "type": if tap.chat > 0 { "private" } else { "group" }}},
            "chat_instance": "-1234567890",
            "data": tap.data}}));
        drop(u);
        board.changed.notify_all();
        query_id
    }

    /// Taps the button labelled `label` of the message `message_id` as `user` in the chat
    /// the message went to; the query id, or `None` when there is no such button.
    pub fn tap_button(&self, message_id: i64, label: &str, user: i64) -> Option<String> {
        let (chat, data) = self.with_service(|s| {
            let m = s.sent.iter().find(|m| m.message_id == message_id)?;
            let data = button_data(m.reply_markup.as_ref()?, label)?;
            Some((m.chat_id, data))
        })?;
        Some(self.tap(&Tap {
            from: user,
            chat,
            message_id,
            data,
        }))
    }

    /// Every `editMessageText` / `editMessageReplyMarkup` accepted so far.
    pub fn edits(&self) -> Vec<Edit> {
        self.with_service(|s| s.edits.clone())
    }

    /// Every `answerCallbackQuery` accepted so far: (query id, text).
    pub fn answered(&self) -> Vec<(String, Option<String>)> {
        self.with_service(|s| s.board.clone())
            .lock()
            .answered
            .clone()
    }

    /// How many `getUpdates` calls were terminated by a concurrent one (409).
    pub fn conflicts(&self) -> usize {
        self.with_service(|s| s.board.clone()).lock().conflicts
    }

    /// How many updates are kept (not yet confirmed by an `offset`).
    pub fn unconfirmed(&self) -> usize {
        self.with_service(|s| s.board.clone()).lock().kept.len()
    }

    /// A chat the bot may write to (the user has started a chat with it).
    pub fn add_chat(&self, chat_id: i64) {
        self.with_service(|s| s.chats.push(chat_id));
    }

    /// Every message accepted so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.with_service(|s| s.sent.clone())
    }
}

/// The `callback_data` of the button labelled `label` in an inline keyboard.
pub fn button_data(markup: &Value, label: &str) -> Option<String> {
    markup
        .get("inline_keyboard")?
        .as_array()?
        .iter()
        .filter_map(Value::as_array)
        .flatten()
        .find(|b| b.get("text").and_then(Value::as_str) == Some(label))?
        .get("callback_data")?
        .as_str()
        .map(str::to_owned)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn fail(code: u16, description: &str) -> Reply {
    Reply::json(
        code,
        &json!({"ok": false, "error_code": code, "description": description}),
    )
}

/// A request's `chat_id`, a number or a numeric string as the Bot API takes it.
fn chat_of(body: &Value) -> Option<i64> {
    match body.get("chat_id") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse::<i64>().ok(),
        _ => None,
    }
}

/// A request's `text` as the user will see it (HTML entities parsed), refused as the Bot API
/// refuses it: empty, unparseable, or longer than it takes (`too_long` is the method's words).
fn text_of(body: &Value, too_long: &str) -> Result<String, Reply> {
    let raw = body.get("text").and_then(Value::as_str).unwrap_or_default();
    let text = match body.get("parse_mode").and_then(Value::as_str) {
        None => raw.to_owned(),
        Some("HTML") => {
            parse_html(raw).map_err(|why| bad(&format!("can't parse entities: {why}")))?
        }
        Some(_) => return Err(bad("unsupported parse_mode")),
    };
    if text.trim().is_empty() {
        return Err(bad("message text is empty"));
    }
    if text.encode_utf16().count() > MAX_TEXT_UNITS {
        return Err(bad(too_long));
    }
    Ok(text)
}

fn bad(description: &str) -> Reply {
    fail(400, &format!("Bad Request: {description}"))
}

/// Parses Telegram's HTML mode into the plain text the user sees.
fn parse_html(text: &str) -> Result<String, String> {
    const TAGS: [&str; 16] = [
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    ];
    let mut out = String::new();
    let mut open: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>').ok_or("unclosed start tag")?;
                let inner = &rest[1..end];
                if let Some(name) = inner.strip_prefix('/') {
                    if open.pop().as_deref() != Some(name.trim()) {
                        return Err(format!("unexpected end tag {name}"));
                    }
                } else {
                    let name = inner.split_whitespace().next().unwrap_or_default();
                    if !TAGS.contains(&name) {
                        return Err(format!("unsupported start tag \"{name}\""));
                    }
                    open.push(name.to_owned());
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                let end = rest.find(';').ok_or("unsupported entity")?;
                let decoded = match &rest[1..end] {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    n => n
                        .strip_prefix('#')
                        .and_then(|d| d.parse::<u32>().ok())
                        .and_then(char::from_u32)
                        .ok_or("unsupported entity")?,
                };
                out.push(decoded);
                rest = &rest[end + 1..];
            }
            '>' => return Err("character '>' is reserved and must be escaped".into()),
            c => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(tag) = open.pop() {
        return Err(format!(
            "can't find end tag corresponding to start tag \"{tag}\""
        ));
    }
    Ok(out)
}

fn check_markup(markup: &Value) -> Result<(), &'static str> {
    let rows = markup
        .get("inline_keyboard")
        .and_then(Value::as_array)
        .ok_or("inline keyboard expected")?;
    for row in rows {
        for button in row.as_array().ok_or("keyboard rows must be arrays")? {
            let text = button
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if text.is_empty() {
                return Err("BUTTON_TEXT_EMPTY");
            }
            let url = button.get("url").and_then(Value::as_str);
            let data = button.get("callback_data").and_then(Value::as_str);
            match (url, data) {
                (Some(u), None) if u.starts_with("https://") || u.starts_with("http://") => {}
                (Some(_), None) => return Err("BUTTON_URL_INVALID"),
                (None, Some(d)) if (1..=64).contains(&d.len()) => {}
                (None, Some(_)) => return Err("BUTTON_DATA_INVALID"),
                _ => return Err("can't parse inline keyboard button"),
            }
        }
    }
    Ok(())
}

impl Telegram {
    fn send_message(&mut self, body: &Value) -> Reply {
        if body.get("chat_id").is_none() {
            return bad("chat_id is empty");
        }
        let Some(chat_id) = chat_of(body).filter(|c| self.chats.contains(c)) else {
            return bad("chat not found");
        };
        let text = match text_of(body, "message is too long") {
            Ok(t) => t,
            Err(reply) => return reply,
        };
        let reply_markup = body.get("reply_markup").cloned();
        if let Some(m) = &reply_markup
            && let Err(why) = check_markup(m)
        {
            return bad(why);
        }
        self.next_id += 1;
        self.sent.push(Sent {
            message_id: self.next_id,
            chat_id,
            text: text.clone(),
            reply_markup,
        });
        Reply::json(
            200,
            &json!({"ok": true, "result": {
                "message_id": self.next_id, "date": unix_now(),
                "chat": {"id": chat_id, "type": "private"}, "text": text}}),
        )
    }

    /// `editMessageText` (with `text`) or `editMessageReplyMarkup` (without).
    fn edit(&mut self, method: &str, body: &Value) -> Reply {
        let Some(chat_id) = chat_of(body) else {
            return bad("chat_id is empty");
        };
        let Some(message_id) = body.get("message_id").and_then(Value::as_i64) else {
            return bad("message identifier is not specified");
        };
        let markup = body.get("reply_markup").cloned();
        if let Some(m) = &markup
            && let Err(why) = check_markup(m)
        {
            return bad(why);
        }
        let text = if method == "editMessageText" {
            match text_of(body, "MESSAGE_TOO_LONG") {
                Ok(t) => Some(t),
                Err(reply) => return reply,
            }
        } else {
            None
        };
        let Some(m) = self
            .sent
            .iter_mut()
            .find(|m| m.message_id == message_id && m.chat_id == chat_id)
        else {
            return bad("message to edit not found");
        };
        let text = text.unwrap_or_else(|| m.text.clone());
        let empty = |k: &Option<Value>| {
            k.as_ref()
                .and_then(|k| k.get("inline_keyboard"))
                .and_then(Value::as_array)
                .is_none_or(|rows| rows.iter().all(|r| r.as_array().is_none_or(Vec::is_empty)))
        };
        let same_markup = m.reply_markup == markup || (empty(&m.reply_markup) && empty(&markup));
        if m.text == text && same_markup {
            return bad(
                "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
            );
        }
        m.text = text.clone();
        m.reply_markup = markup.filter(|_| !empty(&body.get("reply_markup").cloned()));
        self.edits.push(Edit {
            method: method.into(),
            message_id,
            text: text.clone(),
            reply_markup: m.reply_markup.clone(),
        });
        Reply::json(
            200,
            &json!({"ok": true, "result": {"message_id": message_id, "date": unix_now(),
                "edit_date": unix_now(), "chat": {"id": chat_id, "type": "private"}, "text": text}}),
        )
    }

    fn answer_callback_query(&mut self, body: &Value) -> Reply {
        let Some(id) = body.get("callback_query_id").and_then(Value::as_str) else {
            return bad("query ID is empty");
        };
        let text = body.get("text").and_then(Value::as_str);
        if text.is_some_and(|t| t.chars().count() > 200) {
            return bad("MESSAGE_TOO_LONG");
        }
        let mut u = self.board.lock();
        match u.queries.iter_mut().find(|(q, _)| q == id) {
            Some((_, answered)) if !*answered => *answered = true,
            _ => {
                return bad("query is too old and response timeout expired or query ID is invalid");
            }
        }
        u.answered.push((id.to_owned(), text.map(str::to_owned)));
        Reply::json(200, &json!({"ok": true, "result": true}))
    }
}

/// The checked parameters of one `getUpdates`.
struct Poll {
    offset: Option<i64>,
    limit: usize,
    timeout: u64,
    allowed: Option<Vec<String>>,
}

fn poll_params(body: &Value) -> Result<Poll, Reply> {
    let int = |k: &str| match body.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad(&format!("field \"{k}\" must be of type Integer"))),
    };
    let offset = int("offset")?;
    let limit = int("limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let timeout = int("timeout")?.unwrap_or(0);
    if !(0..=MAX_POLL_SECS as i64).contains(&timeout) {
        return Err(bad("timeout out of range for this fake"));
    }
    let allowed = match body.get("allowed_updates") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => Some(
            list.iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("can't parse allowed updates"))?,
        ),
        Some(_) => return Err(bad("can't parse allowed updates")),
    };
    Ok(Poll {
        offset,
        limit,
        timeout: timeout as u64,
        allowed,
    })
}

/// Writes a complete JSON response on a raw connection.
fn write_reply(mut w: Box<dyn Write + Send>, reply: &Reply) {
    let reason = match reply.status {
        200 => "OK",
        400 => "Bad Request",
        409 => "Conflict",
        _ => "Error",
    };
    let _ = write!(
        w,
        "HTTP/1.1 {} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        reply.status,
        reply.body.len(),
        reply.body
    );
    let _ = w.flush();
}

/// Answers one `getUpdates` on its own thread: the updates at or after its offset, as soon as
/// there is one or its timeout passed; 409 when a newer `getUpdates` arrived meanwhile.
fn long_poll(board: Arc<Board>, poll: Poll, generation: u64) -> Streamer {
    Box::new(move |w| {
        let deadline = Instant::now() + Duration::from_secs(poll.timeout);
        let mut u = board.lock();
        let reply = loop {
            if u.generation != generation {
                u.conflicts += 1;
                break fail(409, CONFLICT);
            }
            let from = poll.offset.unwrap_or(i64::MIN);
            let allowed = u.allowed.clone();
            let found: Vec<Value> = u
                .kept
                .iter()
                .filter(|v| v["update_id"].as_i64().is_some_and(|id| id >= from))
                .filter(|v| {
                    allowed.is_empty() || allowed.iter().any(|k| v.get(k.as_str()).is_some())
                })
                .take(poll.limit)
                .cloned()
                .collect();
            let left = deadline.saturating_duration_since(Instant::now());
            if !found.is_empty() || left.is_zero() || u.closed {
                break Reply::json(200, &json!({"ok": true, "result": found}));
            }
            u = match board.changed.wait_timeout(u, left) {
                Ok((guard, _)) => guard,
                Err(e) => e.into_inner().0,
            };
        };
        drop(u);
        write_reply(w, &reply);
    })
}

impl Service for Telegram {
    fn judge(&mut self, rq: &Request) -> Reply {
        let Some((token, method)) = rq
            .path
            .strip_prefix("/bot")
            .and_then(|rest| rest.split_once('/'))
        else {
            return fail(404, "Not Found");
        };
        if !self.tokens.iter().any(|t| t == token) {
            return fail(401, "Unauthorized");
        }
        if rq.method != "POST" && rq.method != "GET" {
            return fail(405, "Method Not Allowed");
        }
        let body = if rq.body.is_empty() {
            json!({})
        } else if rq.is_json() {
            match rq.json() {
                Some(v @ Value::Object(_)) => v,
                _ => return bad("can't parse JSON object"),
            }
        } else {
            return bad("unsupported Content-Type (this fake reads JSON only)");
        };
        match method {
            "getMe" => Reply::json(
                200,
                &json!({"ok": true, "result": {"id": 123456, "is_bot": true,
                    "first_name": "cc-notify test", "username": "cc_notify_test_bot"}}),
            ),
            "sendMessage" => self.send_message(&body),
            "editMessageText" | "editMessageReplyMarkup" => self.edit(method, &body),
            "answerCallbackQuery" => self.answer_callback_query(&body),
            _ => fail(404, "Not Found: method not found"),
        }
    }

    fn stream(&mut self, rq: &Request) -> Option<Streamer> {
        let (token, method) = rq.path.strip_prefix("/bot")?.split_once('/')?;
        if method != "getUpdates" || !self.tokens.iter().any(|t| t == token) {
            return None;
        }
        let body = if rq.body.is_empty() {
            json!({})
        } else {
            rq.json().filter(Value::is_object)?
        };
        let board = self.board.clone();
        let poll = match poll_params(&body) {
            Ok(p) => p,
            Err(reply) => return Some(Box::new(move |w| write_reply(w, &reply))),
        };
        let generation = {
            let mut u = board.lock();
            if let Some(offset) = poll.offset {
                u.kept
                    .retain(|v| v["update_id"].as_i64().is_some_and(|id| id >= offset));
            }
            if let Some(allowed) = &poll.allowed {
                u.allowed = allowed.clone();
            }
            u.generation += 1;
            u.generation
        };
        board.changed.notify_all();
        Some(long_poll(board, poll, generation))
    }

    fn shutdown(&mut self) {
        self.board.lock().closed = true;
        self.board.changed.notify_all();
    }

    fn too_many(&self, retry_after: u64) -> Reply {
        Reply::json(
            429,
            &json!({"ok": false, "error_code": 429,
                "description": format!("Too Many Requests: retry after {retry_after}"),
                "parameters": {"retry_after": retry_after}}),
        )
    }

    fn server_error(&self, status: u16) -> Reply {
        Reply {
            status,
            body: "<html><body><h1>502 Bad Gateway</h1></body></html>".into(),
            headers: vec![("Content-Type".into(), "text/html".into())],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_mode_accepts_only_supported_markup() {
        assert_eq!(
            parse_html("<b>a&lt;b</b>\nx &amp; y").as_deref(),
            Ok("a<b\nx & y")
        );
        assert!(parse_html("<b>open").is_err());
        assert!(parse_html("<script>x</script>").is_err());
        assert!(parse_html("a < b").is_err());
        assert!(parse_html("a & b").is_err());
        assert!(parse_html("1 > 0").is_err());
    }

    #[test]
    fn send_message_checks_chat_text_and_buttons() {
        let mut t = Telegram {
            tokens: vec![],
            chats: vec![7],
            sent: vec![],
            edits: vec![],
            next_id: 0,
            board: Arc::default(),
        };
        let status = |t: &mut Telegram, v: Value| t.send_message(&v).status;
        assert_eq!(status(&mut t, json!({"chat_id": 7, "text": "hi"})), 200);
        assert_eq!(status(&mut t, json!({"chat_id": "7", "text": "hi"})), 200);
        assert_eq!(status(&mut t, json!({"chat_id": 8, "text": "hi"})), 400);
        assert_eq!(status(&mut t, json!({"chat_id": 7, "text": ""})), 400);
        assert_eq!(
            status(&mut t, json!({"chat_id": 7, "text": "🦀".repeat(2049)})),
            400
        );
        assert_eq!(
            status(&mut t, json!({"chat_id": 7, "text": "🦀".repeat(2048)})),
            200
        );
        let button = |b: Value| json!({"chat_id": 7, "text": "x", "reply_markup": {"inline_keyboard": [[b]]}});
        assert_eq!(
            status(&mut t, button(json!({"text": "Open", "url": "https://x"}))),
            200
        );
        assert_eq!(
            status(
                &mut t,
                button(json!({"text": "A", "callback_data": "x".repeat(65)}))
            ),
            400
        );
        assert_eq!(
            status(&mut t, button(json!({"text": "", "url": "https://x"}))),
            400
        );
        assert_eq!(t.sent.len(), 4);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod update_tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read};
    use std::net::TcpStream;

    /// Reads one response (head, then `Content-Length` bytes: a streamed answer's connection
    /// may stay open).
    fn read_answer(c: TcpStream) -> String {
        let mut r = BufReader::new(c);
        let mut head = String::new();
        let mut len = 0;
        loop {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
            head.push_str(&line);
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).unwrap();
        head + &String::from_utf8(body).unwrap()
    }

    /// POSTs `body` to Bot API `method`; (status, JSON answer).
    fn call(fake: &FakeTelegram, method: &str, body: &Value) -> (u16, Value) {
        let mut c = TcpStream::connect(fake.addr()).unwrap();
        let body = body.to_string();
        write!(
            c,
            "POST /bot{EXAMPLE_TOKEN}/{method} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let answer = read_answer(c);
        let status = answer[9..12].parse().unwrap();
        let json = answer.split_once("\r\n\r\n").unwrap().1;
        (status, serde_json::from_str(json).unwrap())
    }

    #[test]
    fn get_updates_long_polls_confirms_by_offset_and_a_concurrent_poll_conflicts() {
        let fake = FakeTelegram::start();
        fake.add_chat(7);
        let (_, sent) = call(
            &fake,
            "sendMessage",
            &json!({"chat_id": 7, "text": "ok?", "reply_markup":
                {"inline_keyboard": [[{"text": "Allow", "callback_data": "y.1"}]]}}),
        );
        let message_id = sent["result"]["message_id"].as_i64().unwrap();
        // A poll waiting for a tap gets it as soon as it is made.
        let waiting = {
            let addr = fake.addr();
            std::thread::spawn(move || {
                let mut c = TcpStream::connect(addr).unwrap();
                let body =
                    json!({"timeout": 20, "allowed_updates": ["callback_query"]}).to_string();
                write!(c, "POST /bot{EXAMPLE_TOKEN}/getUpdates HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
                read_answer(c)
            })
        };
        assert_eq!(fake.wait_for_requests(2, Duration::from_secs(10)).len(), 2);
        let query = fake.tap_button(message_id, "Allow", 7).unwrap();
        let answer = waiting.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains(r#""data":"y.1""#), "{answer}");
        // Kept until confirmed by the next offset.
        let (_, again) = call(&fake, "getUpdates", &json!({}));
        let id = again["result"][0]["update_id"].as_i64().unwrap();
        let (_, after) = call(&fake, "getUpdates", &json!({"offset": id + 1}));
        assert_eq!(after["result"], json!([]));
        assert_eq!(fake.unconfirmed(), 0);
        // Each query answered once.
        assert_eq!(
            call(
                &fake,
                "answerCallbackQuery",
                &json!({"callback_query_id": query})
            )
            .0,
            200
        );
        assert_eq!(
            call(
                &fake,
                "answerCallbackQuery",
                &json!({"callback_query_id": query})
            )
            .0,
            400
        );
        // Buttons removed once; the same edit again changes nothing and is refused.
        let edit = json!({"chat_id": 7, "message_id": message_id, "text": "ok? Allowed"});
        assert_eq!(call(&fake, "editMessageText", &edit).0, 200);
        assert_eq!(call(&fake, "editMessageText", &edit).0, 400);
        assert_eq!(fake.edits()[0].reply_markup, None);
        // A second poll while one waits: the waiting one is terminated with 409.
        let addr = fake.addr();
        let first = std::thread::spawn(move || {
            let mut c = TcpStream::connect(addr).unwrap();
            let body = json!({"timeout": 20}).to_string();
            write!(c, "POST /bot{EXAMPLE_TOKEN}/getUpdates HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).unwrap();
            read_answer(c)
        });
        let n = fake.requests().len();
        fake.wait_for_requests(n + 1, Duration::from_secs(10));
        let (status, _) = call(&fake, "getUpdates", &json!({"timeout": 0}));
        assert_eq!(status, 200);
        let first = first.join().unwrap();
        assert!(first.starts_with("HTTP/1.1 409"), "{first}");
        assert_eq!(fake.conflicts(), 1);
    }
}
