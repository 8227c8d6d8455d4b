//! One bounded JSON POST over attohttpc (rustls, certificates verified) and the classification
//! of its outcome into [`NotifyError`]s that never quote a credential.

use std::io::{self, Read};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cc_notify_core::NotifyError;
use serde::Serialize;

use crate::config::Secret;

/// How long to wait for the TCP (and TLS) connection by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for the whole answer once connected, by default.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The most of an answer's body that is read.
const MAX_BODY: u64 = 64 * 1024;

/// Connect and read bounds of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// For the TCP and TLS handshake.
    pub connect: Duration,
    /// For the answer, once connected (also the bound of the whole request).
    pub read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: DEFAULT_CONNECT_TIMEOUT,
            read: DEFAULT_READ_TIMEOUT,
        }
    }
}

/// An answer: status, the headers asked for, and up to 64 KiB of body.
pub(crate) struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as text, cut to 200 characters, for error messages.
    pub fn snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        match text.char_indices().nth(200) {
            Some((i, _)) => format!("{}…", &text[..i]),
            None => text.to_owned(),
        }
    }
}

/// POSTs `body` as JSON to `url` with `headers`; every message derived from a failure has the
/// `secret` scrubbed out (Telegram puts its token in the URL).
pub(crate) fn post_json(
    url: &str,
    headers: &[(&'static str, String)],
    body: &impl Serialize,
    timeouts: Timeouts,
    secret: &Secret,
) -> Result<Answer, NotifyError> {
    let mut rq = attohttpc::post(url)
        .connect_timeout(timeouts.connect)
        .read_timeout(timeouts.read)
        .timeout(timeouts.read)
        .follow_redirects(false);
    for (name, value) in headers {
        rq = rq.header(*name, value.as_str());
    }
    let response = rq
        .json(body)
        .and_then(|r| r.send())
        .map_err(|e| classify(&e, secret))?;
    read_answer(response, secret)
}

/// GETs `url`, bounded like [`post_json`].
pub(crate) fn get(
    url: &str,
    headers: &[(&'static str, String)],
    timeouts: Timeouts,
    secret: &Secret,
) -> Result<Answer, NotifyError> {
    let mut rq = attohttpc::get(url)
        .connect_timeout(timeouts.connect)
        .read_timeout(timeouts.read)
        .timeout(timeouts.read)
        .follow_redirects(false);
    for (name, value) in headers {
        rq = rq.header(*name, value.as_str());
    }
    read_answer(rq.send().map_err(|e| classify(&e, secret))?, secret)
}

fn read_answer(response: attohttpc::Response, secret: &Secret) -> Result<Answer, NotifyError> {
    let (status, headers, reader) = response.split();
    let mut body = Vec::new();
    reader
        .take(MAX_BODY)
        .read_to_end(&mut body)
        .map_err(|e| classify_io(&e, secret))?;
    let retry_after = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok(Answer {
        status: status.as_u16(),
        retry_after,
        body,
    })
}

fn classify(e: &attohttpc::Error, secret: &Secret) -> NotifyError {
    use attohttpc::ErrorKind;
    match e.kind() {
        ErrorKind::Io(io) => classify_io(io, secret),
        ErrorKind::InvalidBaseUrl | ErrorKind::InvalidUrlHost | ErrorKind::InvalidUrlPort => {
            NotifyError::Config(secret.scrub(&e.to_string()))
        }
        _ => NotifyError::Unavailable(secret.scrub(&e.to_string())),
    }
}

fn classify_io(e: &io::Error, secret: &Secret) -> NotifyError {
    let text = secret.scrub(&e.to_string());
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => NotifyError::Timeout(text),
        _ => NotifyError::Unavailable(text),
    }
}

/// The usual reading of a non-success status: 429 waits `retry_after` seconds from `now`
/// (one minute when the service does not say), other 4xx are permanent, the rest transient.
pub(crate) fn classify_status(
    status: u16,
    retry_after: Option<u64>,
    now: u64,
    message: String,
) -> NotifyError {
    match status {
        429 => NotifyError::QuotaExhausted {
            until: Some(now + retry_after.unwrap_or(60).max(1)),
        },
        400..=499 => NotifyError::Rejected {
            status: Some(status),
            message,
        },
        _ => NotifyError::Unavailable(format!("HTTP {status}: {message}")),
    }
}

/// Reads a `Retry-After` header given in seconds (dates are not used by these services).
pub(crate) fn retry_after_secs(header: Option<&str>) -> Option<u64> {
    header
        .and_then(|v| v.trim().parse::<f64>().ok())
        .and_then(|s| (s.is_finite() && s >= 0.0).then(|| s.ceil() as u64))
}

/// Now, in Unix seconds.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `text` cut to at most `max` bytes at a character boundary, with an ellipsis when cut.
pub(crate) fn cut_bytes(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return text.into();
    }
    let budget = max.saturating_sub('…'.len_utf8());
    let mut end = budget;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end]).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        assert_eq!(
            classify_status(429, Some(30), 1000, String::new()),
            NotifyError::QuotaExhausted { until: Some(1030) }
        );
        assert_eq!(
            classify_status(429, None, 1000, String::new()),
            NotifyError::QuotaExhausted { until: Some(1060) }
        );
        assert!(classify_status(401, None, 0, "no".into()).is_permanent());
        assert!(classify_status(503, None, 0, "down".into()).is_transient());
        assert!(classify_status(302, None, 0, "moved".into()).is_transient());
    }

    #[test]
    fn retry_after_reads_seconds_only() {
        assert_eq!(retry_after_secs(Some(" 12 ")), Some(12));
        assert_eq!(retry_after_secs(Some("1.2")), Some(2));
        assert_eq!(
            retry_after_secs(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
        assert_eq!(retry_after_secs(Some("-1")), None);
        assert_eq!(retry_after_secs(None), None);
    }

    #[test]
    fn cuts_respect_bytes_and_characters() {
        assert_eq!(cut_bytes("héllo", 6), "héllo");
        let cut = cut_bytes("🦀🦀🦀", 9);
        assert!(cut.len() <= 9 && cut == "🦀…", "{cut}");
        assert_eq!(cut_bytes("abcdef", 4), "a…");
    }
}
