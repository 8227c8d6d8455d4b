//! The parameters of one Message API request, built from a [`Notification`] and the config,
//! with Pushover's limits applied before anything is sent.

use std::borrow::Cow;

use cc_notify_core::text::truncate_chars;
use cc_notify_core::{Kind, Notification, NotifyError};
use serde::Serialize;

use crate::config::PushoverConfig;

/// The most characters Pushover accepts in `message`.
pub const MAX_MESSAGE_CHARS: usize = 1024;
/// The most characters Pushover accepts in `title`.
pub const MAX_TITLE_CHARS: usize = 250;
/// The most characters Pushover accepts in `url`.
pub const MAX_URL_CHARS: usize = 512;
/// The most characters Pushover accepts in `url_title`.
pub const MAX_URL_TITLE_CHARS: usize = 100;

/// The body sent when a notification has no text (Pushover refuses an empty message). It
/// names no agent: the title says which one it is.
pub fn default_body(kind: Kind) -> &'static str {
    match kind {
        Kind::Done => "The agent finished its turn.",
        Kind::Error => "The agent stopped on an error.",
        Kind::NeedsInput => "The agent is waiting for you.",
        Kind::Progress => "The agent is still working.",
    }
}

/// The JSON body of a `messages.json` request.
#[derive(Debug, Serialize)]
pub(crate) struct MessageParams<'a> {
    pub token: &'a str,
    pub user: &'a str,
    pub message: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<Cow<'a, str>>,
    pub priority: i8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sound: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_title: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expire: Option<u64>,
}

impl<'a> MessageParams<'a> {
    /// The request for `n`: the kind's priority and sound unless overridden, every text cut to
    /// its limit, emergency settings for priority 2.
    pub fn build(cfg: &'a PushoverConfig, n: &'a Notification) -> Result<Self, NotifyError> {
        let priority = n.priority.unwrap_or(cfg.priorities.for_kind(n.kind));
        if !(-2..=2).contains(&priority) {
            return Err(NotifyError::Config(format!(
                "priority {priority} is outside Pushover's -2..=2"
            )));
        }
        let emergency = priority == 2;
        let message = if n.body.trim().is_empty() {
            Cow::Borrowed(default_body(n.kind))
        } else {
            truncate_chars(&n.body, MAX_MESSAGE_CHARS)
        };
        let title = Some(n.title.as_str())
            .filter(|t| !t.trim().is_empty())
            .map(|t| truncate_chars(t, MAX_TITLE_CHARS));
        let url = n
            .url
            .as_deref()
            .or(cfg.url.as_deref())
            .filter(|u| !u.is_empty());
        let url_title = url
            .and(cfg.url_title.as_deref())
            .filter(|t| !t.is_empty())
            .map(|t| truncate_chars(t, MAX_URL_TITLE_CHARS));
        Ok(MessageParams {
            token: &cfg.token,
            user: &cfg.user,
            message,
            title,
            priority,
            sound: cfg.sounds.for_kind(n.kind),
            device: cfg.device.as_deref(),
            url: url.map(|u| truncate_chars(u, MAX_URL_CHARS)),
            url_title,
            ttl: if emergency { None } else { cfg.ttl },
            timestamp: n.timestamp,
            retry: emergency.then_some(cfg.retry),
            expire: emergency.then_some(cfg.expire),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use cc_notify_core::text::char_len;

    fn cfg() -> PushoverConfig {
        PushoverConfig::new(
            "azGDORePK8gMaC0QOYAMyEEuzJnyUi",
            "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
        )
    }

    #[test]
    fn each_kind_gets_its_priority_and_sound() {
        let cfg = cfg();
        let expect = [
            (Kind::Done, 0, Some("magic")),
            (Kind::Error, 1, Some("siren")),
            (Kind::NeedsInput, 1, Some("echo")),
            (Kind::Progress, -2, None),
        ];
        for (kind, priority, sound) in expect {
            let n = Notification::new(kind, "t", "b");
            let p = MessageParams::build(&cfg, &n).unwrap();
            assert_eq!((p.priority, p.sound), (priority, sound), "{kind:?}");
            assert_eq!((p.retry, p.expire), (None, None));
        }
    }

    #[test]
    fn emergency_carries_retry_and_expire_and_drops_ttl() {
        let mut cfg = cfg();
        cfg.ttl = Some(60);
        let mut n = Notification::new(Kind::Error, "t", "b");
        n.priority = Some(2);
        let p = MessageParams::build(&cfg, &n).unwrap();
        assert_eq!((p.retry, p.expire, p.ttl), (Some(60), Some(3600), None));
        n.priority = Some(3);
        assert!(MessageParams::build(&cfg, &n).unwrap_err().is_permanent());
    }

    #[test]
    fn texts_are_cut_to_the_limits_and_an_empty_body_gets_a_default() {
        let mut cfg = cfg();
        cfg.url_title = Some("ü".repeat(300));
        let mut n = Notification::new(Kind::Done, "é".repeat(1000), "  ");
        n.url = Some(format!("https://x/{}", "a".repeat(600)));
        n.timestamp = Some(1_700_000_000);
        let p = MessageParams::build(&cfg, &n).unwrap();
        assert_eq!(p.message, default_body(Kind::Done));
        assert!(
            !p.message.contains("Claude"),
            "an empty body names no agent"
        );
        assert_eq!(char_len(p.title.as_deref().unwrap()), MAX_TITLE_CHARS);
        assert_eq!(char_len(p.url.as_deref().unwrap()), MAX_URL_CHARS);
        assert_eq!(
            char_len(p.url_title.as_deref().unwrap()),
            MAX_URL_TITLE_CHARS
        );
        assert_eq!(p.timestamp, Some(1_700_000_000));
    }

    #[test]
    fn url_title_needs_a_url() {
        let mut cfg = cfg();
        cfg.url_title = Some("Open".into());
        let n = Notification::new(Kind::Done, "", "b");
        let p = MessageParams::build(&cfg, &n).unwrap();
        assert!(p.url.is_none() && p.url_title.is_none() && p.title.is_none());
    }
}
