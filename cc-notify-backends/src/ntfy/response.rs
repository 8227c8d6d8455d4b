//! The way back from the phone for approvals: a subscription to a response topic
//! (`GET <url>/<topic>/json`, one JSON event per line) and withdrawing a published prompt
//! (`DELETE <url>/<topic>/<message id>`). Both carry the access token like a publish.

use std::io::{BufRead, BufReader, Read};
use std::time::Duration;

use cc_notify_core::NotifyError;
use serde::Deserialize;

use super::{Ntfy, is_topic};
use crate::http;

/// The most of one line of a subscription that is read; longer lines are skipped.
const MAX_LINE: u64 = 16 * 1024;
/// How long a subscription may stay silent: ntfy sends a `keepalive` every 45 s.
const SILENCE: Duration = Duration::from_secs(120);

/// One event of a subscription.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
#[serde(default)]
pub struct Streamed {
    /// `open`, `keepalive`, `message`, …
    pub event: String,
    /// The message id.
    pub id: String,
    /// The message text (for a button's answer, the body it posted).
    pub message: String,
}

/// An open subscription to one topic. `Debug` shows nothing of the connection.
pub struct Subscription {
    lines: BufReader<Box<dyn Read + Send>>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Subscription")
    }
}

impl Subscription {
    /// The next event; `Ok(None)` when the server closed the stream. A line that is not an
    /// event is returned as an event with an empty `event` (the caller ignores it).
    pub fn next_event(&mut self) -> Result<Option<Streamed>, NotifyError> {
        let mut line = Vec::new();
        let n = (&mut self.lines)
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .map_err(|e| NotifyError::Unavailable(format!("subscription: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        Ok(Some(serde_json::from_slice(&line).unwrap_or_default()))
    }
}

impl Ntfy {
    /// The server's base URL, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The configured topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The `Authorization` header value a request to this server needs, if a token is set.
    /// It is a credential: put it only where the user's own phone sends it.
    pub fn authorization(&self) -> Option<String> {
        (!self.token.is_empty()).then(|| format!("Bearer {}", self.token.expose()))
    }

    /// Subscribes to `topic`, replaying what was published since `since` (a Unix time or a
    /// message id), and returns once the server answered.
    pub fn subscribe(&self, topic: &str, since: &str) -> Result<Subscription, NotifyError> {
        if !is_topic(topic) {
            return Err(NotifyError::Config(format!(
                "{topic:?} is not an ntfy topic"
            )));
        }
        let mut rq = attohttpc::get(format!("{}/{topic}/json", self.url))
            .param("since", since)
            .connect_timeout(self.timeouts.connect)
            .read_timeout(SILENCE)
            .follow_redirects(false);
        if let Some(auth) = self.authorization() {
            rq = rq.header("Authorization", auth);
        }
        let response = rq.send().map_err(|e| {
            NotifyError::Unavailable(self.token.scrub(&format!("subscribing: {e}")))
        })?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(http::classify_status(
                status,
                None,
                http::unix_now(),
                format!("subscribing to {topic}: HTTP {status}"),
            ));
        }
        let (_, _, reader) = response.split();
        Ok(Subscription {
            lines: BufReader::new(Box::new(reader)),
        })
    }

    /// Deletes the message `id` from `topic` (the phone drops the notification; ntfy 2.16 or
    /// later). Older servers refuse: the caller then publishes a follow-up instead.
    pub fn delete(&self, topic: &str, id: &str) -> Result<(), NotifyError> {
        let ok = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
        if !is_topic(topic) || !ok(id) {
            return Err(NotifyError::Config("not a topic and message id".into()));
        }
        let mut rq = attohttpc::delete(format!("{}/{topic}/{id}", self.url))
            .connect_timeout(self.timeouts.connect)
            .read_timeout(self.timeouts.read)
            .timeout(self.timeouts.read)
            .follow_redirects(false);
        if let Some(auth) = self.authorization() {
            rq = rq.header("Authorization", auth);
        }
        let response = rq
            .send()
            .map_err(|e| NotifyError::Unavailable(self.token.scrub(&format!("deleting: {e}"))))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(http::classify_status(
                status,
                None,
                http::unix_now(),
                format!("deleting a message: HTTP {status}"),
            ))
        }
    }
}
