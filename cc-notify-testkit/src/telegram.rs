//! [`FakeTelegram`]: a Telegram Bot API stand-in for `getMe` and `sendMessage`, written from
//! the Bot API documentation: the token in the path must be a known bot's (401 otherwise), the
//! chat must exist ("chat not found"), the text must be 1-4096 characters (UTF-16 code units)
//! after entity parsing, `parse_mode: "HTML"` text must use only the supported tags and
//! entities ("can't parse entities"), and inline-keyboard buttons need a text and exactly one
//! of an http(s) `url` or a 1-64-byte `callback_data`. Answers have the API's shape:
//! `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…}`, 429 with
//! `parameters.retry_after`.
//!
//! ```
//! use cc_notify_testkit::telegram::{FakeTelegram, EXAMPLE_TOKEN};
//! let fake = FakeTelegram::start();
//! fake.add_chat(42);
//! assert!(fake.base_url().starts_with("http://127.0.0.1:"));
//! # let _ = EXAMPLE_TOKEN;
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::scripted::{Fake, Reply, Request, Service};

/// The example token from the Bot API docs' format, accepted by default.
pub const EXAMPLE_TOKEN: &str = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11";
/// Telegram's limit on a message's text, in UTF-16 code units after entity parsing.
pub const MAX_TEXT_UNITS: usize = 4096;

/// A message the fake accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// The chat it went to.
    pub chat_id: i64,
    /// Its text after entity parsing (what the user reads).
    pub text: String,
    /// The `reply_markup` as sent, if any.
    pub reply_markup: Option<Value>,
}

/// The Bot API rules and what was sent.
#[derive(Debug)]
pub struct Telegram {
    tokens: Vec<String>,
    chats: Vec<i64>,
    sent: Vec<Sent>,
    next_id: i64,
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
            next_id: 0,
        })
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

fn fail(code: u16, description: &str) -> Reply {
    Reply::json(
        code,
        &json!({"ok": false, "error_code": code, "description": description}),
    )
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
        let chat_id = match body.get("chat_id") {
            None => return bad("chat_id is empty"),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse::<i64>().ok(),
            Some(_) => None,
        };
        let Some(chat_id) = chat_id.filter(|c| self.chats.contains(c)) else {
            return bad("chat not found");
        };
        let raw = body.get("text").and_then(Value::as_str).unwrap_or_default();
        let text = match body.get("parse_mode").and_then(Value::as_str) {
            None => raw.to_owned(),
            Some("HTML") => match parse_html(raw) {
                Ok(t) => t,
                Err(why) => return bad(&format!("can't parse entities: {why}")),
            },
            Some(_) => return bad("unsupported parse_mode"),
        };
        if text.trim().is_empty() {
            return bad("message text is empty");
        }
        if text.encode_utf16().count() > MAX_TEXT_UNITS {
            return bad("message is too long");
        }
        let reply_markup = body.get("reply_markup").cloned();
        if let Some(m) = &reply_markup
            && let Err(why) = check_markup(m)
        {
            return bad(why);
        }
        self.next_id += 1;
        self.sent.push(Sent {
            chat_id,
            text: text.clone(),
            reply_markup,
        });
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Reply::json(
            200,
            &json!({"ok": true, "result": {
                "message_id": self.next_id, "date": now,
                "chat": {"id": chat_id, "type": "private"}, "text": text}}),
        )
    }
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
            _ => fail(404, "Not Found: method not found"),
        }
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
            next_id: 0,
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
