//! [`Telegram`]: sends each notification as a Bot API `sendMessage` to one chat.
//!
//! ```toml
//! [telegram]
//! bot_token = "123456:ABC-DEF…"               # required; $CC_NOTIFY_TELEGRAM_TOKEN overrides it
//! chat_id = "123456789"                       # required: a chat id or @channelname
//! api_url = "https://api.telegram.org"        # default; for tests and gateways
//! ```
//!
//! The request is `POST <api_url>/bot<token>/sendMessage` with the JSON body
//! `{"chat_id","text","parse_mode":"HTML","link_preview_options":{"is_disabled":true}}`, the
//! text being the title in bold, a newline and the body, escaped for HTML and cut to
//! Telegram's 4,096 characters (UTF-16 code units, as Telegram counts them). A link becomes an
//! "Open" inline-keyboard button. The token travels in the URL path, so every error message
//! is scrubbed of it and `Debug` shows only whether it is set.
//!
//! Answers: `{"ok":true,"result":{"message_id":…}}` is success (the receipt's `request_id`
//! is the message id); `{"ok":false,"error_code":…,"description":…}` with 429 waits for
//! `parameters.retry_after`, other 4xx (bad token, chat not found, bot blocked) are
//! permanent, the rest transient.

use std::fmt;

use cc_notify_core::text::truncate_chars;
use cc_notify_core::{Notification, Notifier, NotifyError, Receipt};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::{ConfigError, Secret, check_url, override_from_env};
use crate::http::{self, Timeouts};

/// The real Bot API, the default `api_url`.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";
/// The environment variable that overrides `bot_token`.
pub const TOKEN_VAR: &str = "CC_NOTIFY_TELEGRAM_TOKEN";
/// Telegram's limit on a message's text, in UTF-16 code units after entity parsing.
pub const MAX_TEXT_UNITS: usize = 4096;
/// The most of a title sent, in characters.
const MAX_TITLE_CHARS: usize = 256;

/// The `[telegram]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramConfig {
    /// The bot's token from @BotFather.
    pub bot_token: Secret,
    /// The chat to write to: a numeric id (negative for groups) or `@channelname`.
    pub chat_id: String,
    /// The Bot API's base URL.
    pub api_url: String,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            bot_token: Secret::default(),
            chat_id: String::new(),
            api_url: DEFAULT_API_URL.into(),
        }
    }
}

impl TelegramConfig {
    /// Takes the token from `$CC_NOTIFY_TELEGRAM_TOKEN` when that is set and non-empty.
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        override_from_env(&mut self.bot_token, &[TOKEN_VAR], env);
    }

    /// The backend is configured: `bot_token` and `chat_id` are set.
    pub fn is_configured(&self) -> bool {
        !self.bot_token.is_empty() && !self.chat_id.is_empty()
    }
}

/// Sends notifications to a Telegram chat through a bot.
#[derive(Clone)]
pub struct Telegram {
    api_url: String,
    token: Secret,
    chat_id: String,
    timeouts: Timeouts,
}

impl Telegram {
    /// A sender for `cfg`, after checking it locally; the error names what is missing or wrong
    /// and never quotes the token.
    pub fn from_config(cfg: &TelegramConfig) -> Result<Self, ConfigError> {
        let missing = |key, env| ConfigError::Missing {
            section: "telegram",
            key,
            env,
        };
        if cfg.bot_token.is_empty() {
            return Err(missing("bot_token", Some(TOKEN_VAR)));
        }
        if cfg.chat_id.is_empty() {
            return Err(missing("chat_id", None));
        }
        if !is_bot_token(cfg.bot_token.expose()) {
            return Err(ConfigError::BadValue {
                section: "telegram",
                key: "bot_token",
                problem: "expected the form <digits>:<letters, digits, _ or ->".into(),
            });
        }
        if !is_chat_id(&cfg.chat_id) {
            return Err(ConfigError::BadValue {
                section: "telegram",
                key: "chat_id",
                problem: format!(
                    "{:?} is neither a numeric chat id nor @channelname",
                    cfg.chat_id
                ),
            });
        }
        check_url("telegram", "api_url", &cfg.api_url)?;
        Ok(Telegram {
            api_url: cfg.api_url.trim_end_matches('/').to_owned(),
            token: cfg.bot_token.clone(),
            chat_id: cfg.chat_id.clone(),
            timeouts: Timeouts::default(),
        })
    }

    /// The same sender with other connect and read bounds.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The `sendMessage` body for `n`.
    pub fn body(&self, n: &Notification) -> Value {
        let title = truncate_chars(&n.title, MAX_TITLE_CHARS);
        let used = title.encode_utf16().count() + 1;
        let body = cut_utf16(&n.body, MAX_TEXT_UNITS.saturating_sub(used));
        let text = if body.is_empty() {
            format!("<b>{}</b>", html_escape(&title))
        } else {
            format!("<b>{}</b>\n{}", html_escape(&title), html_escape(&body))
        };
        let mut v = json!({
            "chat_id": self.chat_id,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": true},
        });
        if let Some(url) = n
            .url
            .as_deref()
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        {
            v["reply_markup"] = json!({"inline_keyboard": [[{"text": "Open", "url": url}]]});
        }
        v
    }

    /// Checks the token with `getMe`, for `doctor`; returns the bot's `@username`. It does not
    /// check the chat: a test message does ("chat not found" until the user has written to
    /// the bot).
    pub fn check(&self) -> Result<String, NotifyError> {
        let me = self.call("getMe", &json!({}))?;
        Ok(format!(
            "@{}",
            me.get("username").and_then(Value::as_str).unwrap_or("?")
        ))
    }

    /// Calls Bot API `method` with `body`; the decoded `result` on success.
    pub fn call(&self, method: &str, body: &Value) -> Result<Value, NotifyError> {
        let url = format!("{}/bot{}/{method}", self.api_url, self.token.expose());
        let answer = http::post_json(&url, &[], body, self.timeouts, &self.token)?;
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Reply {
            ok: bool,
            result: Value,
            description: Option<String>,
            parameters: Option<Parameters>,
        }
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Parameters {
            retry_after: Option<u64>,
        }
        let reply: Option<Reply> = serde_json::from_slice(&answer.body).ok();
        match reply {
            Some(r) if r.ok && (200..300).contains(&answer.status) => Ok(r.result),
            Some(r) => {
                let retry = r.parameters.and_then(|p| p.retry_after);
                let status = if (200..300).contains(&answer.status) {
                    502
                } else {
                    answer.status
                };
                Err(http::classify_status(
                    status,
                    retry.or_else(|| http::retry_after_secs(answer.retry_after.as_deref())),
                    http::unix_now(),
                    self.token
                        .scrub(&r.description.unwrap_or_else(|| "no description".into())),
                ))
            }
            None => Err(http::classify_status(
                if (200..300).contains(&answer.status) {
                    502
                } else {
                    answer.status
                },
                http::retry_after_secs(answer.retry_after.as_deref()),
                http::unix_now(),
                self.token.scrub(&answer.snippet()),
            )),
        }
    }
}

impl Notifier for Telegram {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        let result = self.call("sendMessage", &self.body(n))?;
        Ok(Receipt {
            request_id: result.get("message_id").map(|id| id.to_string()),
            ..Receipt::default()
        })
    }

    fn name(&self) -> &str {
        "telegram"
    }
}

impl fmt::Debug for Telegram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Telegram")
            .field("api_url", &self.api_url)
            .field("bot_token", &self.token)
            .field("chat_id", &self.chat_id)
            .field("timeouts", &self.timeouts)
            .finish()
    }
}

fn is_bot_token(t: &str) -> bool {
    t.split_once(':').is_some_and(|(id, key)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

fn is_chat_id(c: &str) -> bool {
    let digits = c.strip_prefix('-').unwrap_or(c);
    let numeric =
        !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|b| b.is_ascii_digit());
    let channel = c.strip_prefix('@').is_some_and(|n| {
        (4..=32).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    });
    numeric || channel
}

/// `text` cut to at most `max` UTF-16 code units, ending in `…` when cut.
fn cut_utf16(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.encode_utf16().count() <= max {
        return text.into();
    }
    let mut used = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if used + c.len_utf16() > max.saturating_sub(1) {
            break;
        }
        used += c.len_utf16();
        end = i + c.len_utf8();
    }
    if max == 0 {
        return "".into();
    }
    format!("{}…", &text[..end]).into()
}

/// The three characters Telegram's HTML mode requires escaped.
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use cc_notify_core::Kind;

    const TOKEN: &str = "123456:AAHsecretsecretsecret_-x";

    fn cfg() -> TelegramConfig {
        TelegramConfig {
            bot_token: Secret::new(TOKEN),
            chat_id: "-1001234".into(),
            ..TelegramConfig::default()
        }
    }

    #[test]
    fn the_toml_table_has_the_documented_keys() {
        let c: TelegramConfig = toml::from_str(&format!(
            "bot_token = \"{TOKEN}\"\nchat_id = \"-1001234\"\n"
        ))
        .unwrap();
        assert_eq!(c, cfg());
        assert_eq!(c.api_url, DEFAULT_API_URL);
        assert!(toml::from_str::<TelegramConfig>("token = \"x\"").is_err());
        let mut c = TelegramConfig::default();
        c.apply_env(&|v| (v == TOKEN_VAR).then(|| TOKEN.into()));
        assert_eq!(c.bot_token.expose(), TOKEN);
        assert!(!c.is_configured());
    }

    #[test]
    fn from_config_says_what_is_missing_and_never_quotes_the_token() {
        let e = Telegram::from_config(&TelegramConfig::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "[telegram] bot_token is not set (nor is $CC_NOTIFY_TELEGRAM_TOKEN)"
        );
        let mut c = cfg();
        c.chat_id.clear();
        assert_eq!(
            Telegram::from_config(&c).unwrap_err().to_string(),
            "[telegram] chat_id is not set"
        );
        let mut c = cfg();
        c.bot_token = Secret::new("secretsecret");
        let e = Telegram::from_config(&c).unwrap_err().to_string();
        assert!(
            e.contains("bot_token") && !e.contains("secretsecret"),
            "{e}"
        );
        for bad in ["12a", "@abc", "me"] {
            let mut c = cfg();
            c.chat_id = bad.into();
            assert!(Telegram::from_config(&c).is_err(), "{bad}");
        }
        let mut c = cfg();
        c.chat_id = "@my_channel".into();
        assert!(Telegram::from_config(&c).is_ok());
        let shown = format!("{:?} {:?}", cfg(), Telegram::from_config(&cfg()).unwrap());
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn the_text_is_escaped_bold_titled_and_cut_in_utf16_units() {
        let t = Telegram::from_config(&cfg()).unwrap();
        let mut n = Notification::new(Kind::Done, "a<b>", "x & y");
        n.url = Some("https://example.com".into());
        let b = t.body(&n);
        assert_eq!(b["text"], "<b>a&lt;b&gt;</b>\nx &amp; y");
        assert_eq!(b["chat_id"], "-1001234");
        assert_eq!(
            b["reply_markup"]["inline_keyboard"][0][0]["url"],
            "https://example.com"
        );
        let long = t.body(&Notification::new(Kind::Done, "t", "🦀".repeat(3000)));
        let text = long["text"]
            .as_str()
            .unwrap()
            .replace("<b>", "")
            .replace("</b>", "");
        assert!(text.encode_utf16().count() <= MAX_TEXT_UNITS);
        assert!(text.ends_with('…'));
        assert_eq!(cut_utf16("🦀🦀", 3), "🦀…");
        assert_eq!(cut_utf16("abc", 3), "abc");
    }
}
