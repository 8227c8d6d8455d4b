//! [`Ntfy`]: publishes to an [ntfy](https://ntfy.sh) server (public or self-hosted) as JSON to
//! the server root, with title, priority, tags, click URL and up to three action buttons.
//!
//! ```toml
//! [ntfy]
//! url = "https://ntfy.example"   # the server; default https://ntfy.sh
//! topic = "cc-7f3a9c"            # required: the topic pushes go to (1-64 of A-Z a-z 0-9 _ -)
//! token = "tk_…"                 # optional access token; $CC_NOTIFY_NTFY_TOKEN overrides it
//! ```
//!
//! The request is `POST <url>/` with `Content-Type: application/json`, `Authorization: Bearer
//! <token>` when a token is set, and the body
//! `{"topic","title","message","priority","tags","click"?,"actions"?}`. Priority follows the
//! kind (done 3, error 4, needs input 4, progress 2) unless the notification carries one on
//! the project's -2..=2 scale, which maps to ntfy's 1..=5. The message is cut to ntfy's
//! 4,096-byte limit (longer ones would turn into attachments).

use std::fmt;

use cc_notify_core::text::truncate_chars;
use cc_notify_core::{Kind, Notification, Notifier, NotifyError, Receipt};
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Secret, check_url, override_from_env};
use crate::http::{self, Timeouts};

mod response;
pub use response::{Streamed, Subscription};

/// The server used when `url` is not set: the public ntfy.sh.
pub const DEFAULT_URL: &str = "https://ntfy.sh";
/// The environment variable that overrides `token`.
pub const TOKEN_VAR: &str = "CC_NOTIFY_NTFY_TOKEN";
/// The largest message ntfy shows as text, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 4096;
/// The most action buttons one message may carry.
pub const MAX_ACTIONS: usize = 3;
/// The longest title sent, in characters.
const MAX_TITLE_CHARS: usize = 250;

/// The `[ntfy]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NtfyConfig {
    /// The server's base URL.
    pub url: String,
    /// The topic pushes go to.
    pub topic: String,
    /// An access token (`tk_…`), optional.
    pub token: Secret,
}

impl Default for NtfyConfig {
    fn default() -> Self {
        NtfyConfig {
            url: DEFAULT_URL.into(),
            topic: String::new(),
            token: Secret::default(),
        }
    }
}

impl NtfyConfig {
    /// Takes the token from `$CC_NOTIFY_NTFY_TOKEN` when that is set and non-empty.
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) {
        override_from_env(&mut self.token, &[TOKEN_VAR], env);
    }

    /// The backend is configured: its required key (`topic`) is set.
    pub fn is_configured(&self) -> bool {
        !self.topic.is_empty()
    }
}

/// One action button of an ntfy message. `Debug` shows header names, not their values (an
/// `Authorization` for the response topic is a credential).
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Action {
    /// Opens `url` on the phone.
    View {
        /// The button's text.
        label: String,
        /// What it opens.
        url: String,
        /// Dismiss the notification when tapped.
        clear: bool,
    },
    /// The phone sends an HTTP request (POST unless `method` says otherwise).
    Http {
        /// The button's text.
        label: String,
        /// Where the request goes.
        url: String,
        /// `POST` (ntfy's default), `PUT` or `GET`.
        method: String,
        /// Request headers, e.g. an `Authorization` for the response topic.
        #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "as_map")]
        headers: Vec<(String, String)>,
        /// The request body.
        body: String,
        /// Dismiss the notification when the request succeeds.
        clear: bool,
    },
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::View { label, url, clear } => f
                .debug_struct("View")
                .field("label", label)
                .field("url", url)
                .field("clear", clear)
                .finish(),
            Action::Http {
                label,
                url,
                method,
                headers,
                body,
                clear,
            } => f
                .debug_struct("Http")
                .field("label", label)
                .field("url", url)
                .field("method", method)
                .field(
                    "headers",
                    &headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
                )
                .field("body", body)
                .field("clear", clear)
                .finish(),
        }
    }
}

fn as_map<S: serde::Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(k, v)| (k, v)))
}

/// What is published: the JSON body of `POST <url>/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// The topic.
    pub topic: String,
    /// The headline.
    pub title: String,
    /// The text (at most [`MAX_MESSAGE_BYTES`]).
    pub message: String,
    /// 1 (min) ..= 5 (max).
    pub priority: u8,
    /// Tags; those naming an emoji show as one.
    pub tags: Vec<String>,
    /// Opened when the notification is tapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub click: Option<String>,
    /// Up to [`MAX_ACTIONS`] buttons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
}

/// Sends notifications to an ntfy topic. `Debug` never shows the token.
#[derive(Clone)]
pub struct Ntfy {
    url: String,
    topic: String,
    token: Secret,
    timeouts: Timeouts,
}

impl Ntfy {
    /// A sender for `cfg`, after checking it locally; the error names what is missing or wrong.
    pub fn from_config(cfg: &NtfyConfig) -> Result<Self, ConfigError> {
        check_url("ntfy", "url", &cfg.url)?;
        if cfg.topic.is_empty() {
            return Err(ConfigError::Missing {
                section: "ntfy",
                key: "topic",
                env: None,
            });
        }
        if !is_topic(&cfg.topic) {
            return Err(ConfigError::BadValue {
                section: "ntfy",
                key: "topic",
                problem: "a topic is 1-64 characters of A-Z, a-z, 0-9, _ or -".into(),
            });
        }
        if !cfg.token.expose().bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::BadValue {
                section: "ntfy",
                key: "token",
                problem: "the token has a space or a non-ASCII character".into(),
            });
        }
        Ok(Ntfy {
            url: cfg.url.trim_end_matches('/').to_owned(),
            topic: cfg.topic.clone(),
            token: cfg.token.clone(),
            timeouts: Timeouts::default(),
        })
    }

    /// The same sender with other connect and read bounds.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The message [`send`](Notifier::send) publishes for `n`: priority and tags by kind, the
    /// link as click target and as an "Open" button.
    pub fn message(&self, n: &Notification) -> Message {
        let priority = match n.priority {
            Some(p) => (i16::from(p) + 3).clamp(1, 5) as u8,
            None => match n.kind {
                Kind::Done => 3,
                Kind::Error | Kind::NeedsInput => 4,
                Kind::Progress => 2,
            },
        };
        let emoji = match n.kind {
            Kind::Done => "white_check_mark",
            Kind::Error => "x",
            Kind::NeedsInput => "bell",
            Kind::Progress => "hourglass_flowing_sand",
        };
        let actions = n
            .url
            .iter()
            .map(|url| Action::View {
                label: "Open".into(),
                url: url.clone(),
                clear: false,
            })
            .collect();
        Message {
            topic: self.topic.clone(),
            title: truncate_chars(&n.title, MAX_TITLE_CHARS).into_owned(),
            message: http::cut_bytes(&n.body, MAX_MESSAGE_BYTES).into_owned(),
            priority,
            tags: vec![emoji.into(), n.kind.as_str().into()],
            click: n.url.clone(),
            actions,
        }
    }

    /// Asks the server whether it is up (`GET <url>/v1/health`, `{"healthy":true}`), for
    /// `doctor`. It does not check the token or the topic's permissions: a test push does.
    pub fn check(&self) -> Result<(), NotifyError> {
        let answer = http::get(
            &format!("{}/v1/health", self.url),
            &[],
            self.timeouts,
            &self.token,
        )?;
        #[derive(Deserialize)]
        struct Health {
            healthy: bool,
        }
        match serde_json::from_slice::<Health>(&answer.body) {
            Ok(Health { healthy: true }) if answer.status == 200 => Ok(()),
            Ok(_) => Err(NotifyError::Unavailable(
                "the server says it is not healthy".into(),
            )),
            Err(_) => Err(http::classify_status(
                if answer.status == 200 {
                    502
                } else {
                    answer.status
                },
                None,
                http::unix_now(),
                format!("{} is not an ntfy health answer", answer.snippet()),
            )),
        }
    }

    /// Publishes `message` (to any topic on this server, e.g. an approval prompt with `http`
    /// buttons). More than [`MAX_ACTIONS`] buttons is refused before sending.
    pub fn publish(&self, message: &Message) -> Result<Receipt, NotifyError> {
        if message.actions.len() > MAX_ACTIONS {
            return Err(NotifyError::Config(format!(
                "ntfy allows at most {MAX_ACTIONS} actions, got {}",
                message.actions.len()
            )));
        }
        let mut headers = Vec::new();
        if !self.token.is_empty() {
            headers.push(("Authorization", format!("Bearer {}", self.token.expose())));
        }
        let answer = http::post_json(
            &format!("{}/", self.url),
            &headers,
            message,
            self.timeouts,
            &self.token,
        )?;
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Reply {
            id: Option<String>,
            error: Option<String>,
            code: Option<u64>,
        }
        let reply: Reply = serde_json::from_slice(&answer.body).unwrap_or_default();
        if (200..300).contains(&answer.status) {
            return match reply.id {
                Some(id) => Ok(Receipt {
                    request_id: Some(id),
                    ..Receipt::default()
                }),
                None => Err(NotifyError::Unavailable(format!(
                    "HTTP {} without a message id",
                    answer.status
                ))),
            };
        }
        let message = match (reply.error, reply.code) {
            (Some(e), Some(c)) => format!("{e} (code {c})"),
            (Some(e), None) => e,
            _ => answer.snippet(),
        };
        Err(http::classify_status(
            answer.status,
            http::retry_after_secs(answer.retry_after.as_deref()),
            http::unix_now(),
            self.token.scrub(&message),
        ))
    }
}

impl Notifier for Ntfy {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        self.publish(&self.message(n))
    }

    fn name(&self) -> &str {
        "ntfy"
    }
}

impl fmt::Debug for Ntfy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ntfy")
            .field("url", &self.url)
            .field("topic", &self.topic)
            .field("token", &self.token)
            .field("timeouts", &self.timeouts)
            .finish()
    }
}

/// ntfy's topic rule: 1-64 characters of `[-_A-Za-z0-9]`.
pub fn is_topic(topic: &str) -> bool {
    (1..=64).contains(&topic.len())
        && topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn cfg(topic: &str) -> NtfyConfig {
        NtfyConfig {
            topic: topic.into(),
            ..NtfyConfig::default()
        }
    }

    #[test]
    fn the_toml_table_has_the_documented_keys_and_defaults() {
        let c: NtfyConfig = toml::from_str("topic = \"cc-x\"").unwrap();
        assert_eq!(c, cfg("cc-x"));
        assert_eq!(c.url, DEFAULT_URL);
        let c: NtfyConfig =
            toml::from_str("url = \"https://n.example\"\ntopic = \"t\"\ntoken = \"tk_1\"").unwrap();
        assert_eq!(c.token.expose(), "tk_1");
        assert!(toml::from_str::<NtfyConfig>("topik = \"t\"").is_err());
        assert!(!NtfyConfig::default().is_configured());
    }

    #[test]
    fn from_config_says_what_is_missing_or_wrong() {
        let e = Ntfy::from_config(&NtfyConfig::default()).unwrap_err();
        assert_eq!(e.to_string(), "[ntfy] topic is not set");
        assert!(Ntfy::from_config(&cfg("no/slash")).is_err());
        assert!(Ntfy::from_config(&cfg(&"x".repeat(65))).is_err());
        let mut c = cfg("ok");
        c.url = "http://ntfy.example".into();
        assert!(matches!(
            Ntfy::from_config(&c),
            Err(ConfigError::InsecureUrl { .. })
        ));
        let mut c = cfg("ok");
        c.token = Secret::new("tk_abc\r\nX-Evil: 1");
        let e = Ntfy::from_config(&c).unwrap_err().to_string();
        assert!(e.contains("token") && !e.contains("tk_abc"), "{e}");
    }

    #[test]
    fn debug_hides_action_header_values() {
        let a = Action::Http {
            label: "Allow".into(),
            url: "https://n.example/resp".into(),
            method: "POST".into(),
            headers: vec![("Authorization".into(), "Bearer tk_hidden".into())],
            body: String::new(),
            clear: true,
        };
        let shown = format!("{a:?}");
        assert!(
            shown.contains("Authorization") && !shown.contains("tk_hidden"),
            "{shown}"
        );
    }

    #[test]
    fn debug_hides_the_token() {
        let mut c = cfg("t");
        c.token = Secret::new("tk_verysecretvalue");
        let shown = format!("{:?} {:?}", c, Ntfy::from_config(&c).unwrap());
        assert!(!shown.contains("verysecret"), "{shown}");
    }

    #[test]
    fn priorities_and_tags_follow_the_kind_and_the_pushover_scale() {
        let ntfy = Ntfy::from_config(&cfg("t")).unwrap();
        let m = ntfy.message(&Notification::new(Kind::Error, "t", "b"));
        assert_eq!((m.priority, m.tags[1].as_str()), (4, "error"));
        assert_eq!(
            ntfy.message(&Notification::new(Kind::Progress, "t", "b"))
                .priority,
            2
        );
        let mut n = Notification::new(Kind::Done, "t", "b");
        n.priority = Some(2);
        assert_eq!(ntfy.message(&n).priority, 5);
        n.priority = Some(-2);
        assert_eq!(ntfy.message(&n).priority, 1);
        n.url = Some("https://example.com/s".into());
        let m = ntfy.message(&n);
        assert_eq!(m.click.as_deref(), Some("https://example.com/s"));
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["actions"][0]["action"], "view");
        assert_eq!(json["actions"][0]["url"], "https://example.com/s");
    }
}
