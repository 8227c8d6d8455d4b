//! [`Webhook`]: one JSON POST per notification, in cc-notify's own shape or as a Slack or
//! Discord incoming-webhook message.
//!
//! ```toml
//! [webhook]
//! url = "https://hooks.slack.com/services/T…/B…/…"   # required; kept out of logs and errors
//! format = "slack"                                   # "json" (default) | "slack" | "discord"
//! ```
//!
//! The bodies (`Content-Type: application/json`):
//! * `json`: the notification as cc-notify models it —
//!   `{"kind":"done"|"error"|"needs_input"|"progress","title":…,"body":…}` plus, when known,
//!   `"priority"` (-2..=2), `"url"`, `"session_id"`, `"project"`, `"timestamp"` (Unix seconds).
//!   Any 2xx answer is success.
//! * `slack`: `{"text":"*<title>*\n<body>"}` with `&`, `<`, `>` escaped as Slack requires;
//!   success is 200 (Slack answers `ok`).
//! * `discord`: `{"content":"**<title>**\n<body>","allowed_mentions":{"parse":[]}}`, the content
//!   cut to Discord's 2,000 characters; `allowed_mentions` keeps echoed text from pinging
//!   anyone. Success is 204 (or 200).
//!
//! 429 waits for `Retry-After` (Discord also says `retry_after` in the body); other 4xx are
//! permanent; 5xx, connection failures and timeouts are transient.

use std::fmt;

use cc_notify_core::text::truncate_chars;
use cc_notify_core::{Notification, Notifier, NotifyError, Receipt};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::config::{ConfigError, Secret, check_url};
use crate::http::{self, Timeouts};

/// Discord's limit on `content`, in characters.
pub const DISCORD_MAX_CONTENT: usize = 2000;
/// The most of a Slack message sent, in characters (Slack truncates past 40,000).
const SLACK_MAX_TEXT: usize = 40_000;

/// The body shape a [`Webhook`] posts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// cc-notify's own JSON: the notification's fields.
    #[default]
    Json,
    /// A Slack incoming webhook's `{"text"}`.
    Slack,
    /// A Discord webhook's `{"content"}`.
    Discord,
}

/// The `[webhook]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookConfig {
    /// Where to POST. Slack and Discord URLs embed their credential, so it is a [`Secret`].
    pub url: Secret,
    /// The body shape.
    pub format: Format,
}

impl WebhookConfig {
    /// The backend is configured: `url` is set.
    pub fn is_configured(&self) -> bool {
        !self.url.is_empty()
    }
}

/// Posts notifications to a webhook. Neither `Debug` nor errors show more of the URL than its
/// scheme and host.
#[derive(Clone)]
pub struct Webhook {
    url: Secret,
    format: Format,
    timeouts: Timeouts,
}

impl Webhook {
    /// A sender for `cfg`, after checking the URL locally.
    pub fn from_config(cfg: &WebhookConfig) -> Result<Self, ConfigError> {
        if cfg.url.is_empty() {
            return Err(ConfigError::Missing {
                section: "webhook",
                key: "url",
                env: None,
            });
        }
        check_url("webhook", "url", cfg.url.expose()).map_err(|e| match e {
            ConfigError::BadUrl { section, key, url } => ConfigError::BadUrl {
                section,
                key,
                url: origin(&url),
            },
            ConfigError::InsecureUrl { section, key, url } => ConfigError::InsecureUrl {
                section,
                key,
                url: origin(&url),
            },
            other => other,
        })?;
        Ok(Webhook {
            url: cfg.url.clone(),
            format: cfg.format,
            timeouts: Timeouts::default(),
        })
    }

    /// The same sender with other connect and read bounds.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// The JSON body posted for `n`.
    pub fn body(&self, n: &Notification) -> Value {
        match self.format {
            Format::Json => serde_json::to_value(n).unwrap_or(Value::Null),
            Format::Slack => {
                let text = if n.body.is_empty() {
                    format!("*{}*", slack_escape(&n.title))
                } else {
                    format!("*{}*\n{}", slack_escape(&n.title), slack_escape(&n.body))
                };
                json!({ "text": truncate_chars(&text, SLACK_MAX_TEXT) })
            }
            Format::Discord => {
                let text = if n.body.is_empty() {
                    format!("**{}**", n.title)
                } else {
                    format!("**{}**\n{}", n.title, n.body)
                };
                json!({
                    "content": truncate_chars(&text, DISCORD_MAX_CONTENT),
                    "allowed_mentions": {"parse": []},
                })
            }
        }
    }
}

impl Notifier for Webhook {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        let answer = http::post_json(
            self.url.expose(),
            &[],
            &self.body(n),
            self.timeouts,
            &self.url,
        )?;
        if (200..300).contains(&answer.status) {
            return Ok(Receipt::default());
        }
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct DiscordError {
            message: Option<String>,
            retry_after: Option<f64>,
        }
        let parsed: DiscordError = serde_json::from_slice(&answer.body).unwrap_or_default();
        let retry = http::retry_after_secs(answer.retry_after.as_deref()).or_else(|| {
            parsed
                .retry_after
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| s.ceil() as u64)
        });
        let message = parsed.message.unwrap_or_else(|| answer.snippet());
        Err(http::classify_status(
            answer.status,
            retry,
            http::unix_now(),
            self.url.scrub(&message),
        ))
    }

    fn name(&self) -> &str {
        "webhook"
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &origin(self.url.expose()))
            .field("format", &self.format)
            .field("timeouts", &self.timeouts)
            .finish()
    }
}

/// `scheme://host[:port]/…`: the URL without its path, where webhook credentials live.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    format!("{scheme}://{authority}/…")
}

/// Slack's three control characters, escaped as its docs require.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use cc_notify_core::Kind;

    const SLACK: &str = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX";

    fn hook(format: Format) -> Webhook {
        Webhook::from_config(&WebhookConfig {
            url: Secret::new(SLACK),
            format,
        })
        .unwrap()
    }

    #[test]
    fn the_toml_table_has_the_documented_keys() {
        let c: WebhookConfig =
            toml::from_str(&format!("url = \"{SLACK}\"\nformat = \"discord\"")).unwrap();
        assert_eq!(c.format, Format::Discord);
        assert_eq!(
            toml::from_str::<WebhookConfig>("").unwrap().format,
            Format::Json
        );
        assert!(toml::from_str::<WebhookConfig>("format = \"teams\"").is_err());
        assert!(toml::from_str::<WebhookConfig>("uri = \"x\"").is_err());
    }

    #[test]
    fn the_url_never_shows_beyond_its_host() {
        let shown = format!("{:?}", hook(Format::Slack));
        assert!(
            shown.contains("hooks.slack.com") && !shown.contains("SECRET"),
            "{shown}"
        );
        let e = Webhook::from_config(&WebhookConfig {
            url: Secret::new("http://hooks.example/T/SECRET"),
            format: Format::Json,
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("hooks.example") && !e.contains("SECRET"), "{e}");
        assert_eq!(
            Webhook::from_config(&WebhookConfig::default())
                .unwrap_err()
                .to_string(),
            "[webhook] url is not set"
        );
    }

    #[test]
    fn each_format_has_its_documented_body() {
        let mut n = Notification::new(Kind::Error, "proj: <failed>", "a & b");
        n.project = Some("proj".into());
        let j = hook(Format::Json).body(&n);
        assert_eq!(
            j,
            json!({"kind":"error","title":"proj: <failed>","body":"a & b","project":"proj"})
        );
        let s = hook(Format::Slack).body(&n);
        assert_eq!(s, json!({"text":"*proj: &lt;failed&gt;*\na &amp; b"}));
        let d = hook(Format::Discord).body(&Notification::new(Kind::Done, "t", "@everyone"));
        assert_eq!(
            d,
            json!({"content":"**t**\n@everyone","allowed_mentions":{"parse":[]}})
        );
        let long =
            hook(Format::Discord).body(&Notification::new(Kind::Done, "t", "é".repeat(3000)));
        assert_eq!(
            long["content"].as_str().unwrap().chars().count(),
            DISCORD_MAX_CONTENT
        );
    }
}
