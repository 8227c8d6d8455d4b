//! [`Pushover`]: the [`Notifier`] that posts to the Message API, and `validate_user` for `doctor`.

use std::fmt;
use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cc_notify_core::{Notification, Notifier, NotifyError, Receipt};
use serde::Serialize;

use crate::config::{ConfigError, PushoverConfig, Redacted};
use crate::message::MessageParams;
use crate::response::{Answer, Body};

/// Sends notifications through Pushover. Built from a validated [`PushoverConfig`].
///
/// Each [`send`](Notifier::send) makes exactly one HTTPS request, bounded by the configured
/// connect and read timeouts (DNS resolution is not bounded by the HTTP client). `Debug`
/// never shows the token or the user key.
#[derive(Clone)]
pub struct Pushover {
    cfg: PushoverConfig,
    validate_url: String,
}

/// What `users/validate.json` says about a valid user key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The user's active devices (at least one).
    pub devices: Vec<String>,
    /// The platforms the user has licensed.
    pub licenses: Vec<String>,
    /// The key is a group key.
    pub group: bool,
}

impl Pushover {
    /// A sender for `cfg`, after checking credentials, URL, device names and limits locally.
    pub fn new(cfg: PushoverConfig) -> Result<Self, ConfigError> {
        let validate_url = cfg.check()?;
        Ok(Pushover { cfg, validate_url })
    }

    /// The configuration this sender uses.
    pub fn config(&self) -> &PushoverConfig {
        &self.cfg
    }

    /// Asks Pushover whether the user key (and the configured device, if any) is valid.
    /// A key counts as valid only with at least one active device. Meant for `doctor`, not
    /// for every notification.
    pub fn validate_user(&self) -> Result<UserInfo, NotifyError> {
        #[derive(Serialize)]
        struct Params<'a> {
            token: &'a str,
            user: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            device: Option<&'a str>,
        }
        let params = Params {
            token: &self.cfg.token,
            user: &self.cfg.user,
            device: self.cfg.device.as_deref(),
        };
        let body = self.post(&self.validate_url, &params, |a| a.into_body(unix_now()))?;
        if body.devices.is_empty() {
            return Err(NotifyError::Rejected {
                status: None,
                message: "the user key is valid but has no active device".into(),
            });
        }
        Ok(body.into())
    }

    /// Sends `n`, then retries transient failures up to `retries` times, waiting 5 s, 10 s,
    /// 20 s, … ([`crate::retry_after`]) with `sleep`. Permanent failures are returned at once.
    /// See [`crate::send_with_retry`].
    pub fn send_with_retry(
        &self,
        n: &Notification,
        retries: u32,
        sleep: &mut dyn FnMut(Duration),
    ) -> Result<Receipt, NotifyError> {
        cc_notify_core::delivery::send_with_retry(self, n, retries, sleep)
    }

    fn post<T>(
        &self,
        url: &str,
        params: &impl Serialize,
        read: impl FnOnce(Answer<'_>) -> Result<T, NotifyError>,
    ) -> Result<T, NotifyError> {
        let response = attohttpc::post(url)
            .connect_timeout(self.cfg.connect_timeout)
            .read_timeout(self.cfg.read_timeout)
            .timeout(self.cfg.read_timeout)
            .follow_redirects(false)
            .json(params)
            .and_then(|r| r.send())
            .map_err(classify)?;
        let (status, headers, reader) = response.split();
        let mut body = Vec::new();
        io::Read::read_to_end(&mut io::Read::take(reader, 64 * 1024), &mut body)
            .map_err(|e| classify_io(&e))?;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        read(Answer {
            status: status.as_u16(),
            header: &header,
            body: &body,
        })
    }
}

impl Notifier for Pushover {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        let params = MessageParams::build(&self.cfg, n)?;
        self.post(&self.cfg.api_url, &params, |a| a.into_receipt(unix_now()))
    }

    fn name(&self) -> &str {
        "pushover"
    }
}

impl fmt::Debug for Pushover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pushover")
            .field("api_url", &self.cfg.api_url)
            .field("token", &Redacted(&self.cfg.token))
            .field("user", &Redacted(&self.cfg.user))
            .finish_non_exhaustive()
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn classify(e: attohttpc::Error) -> NotifyError {
    use attohttpc::ErrorKind;
    match e.kind() {
        ErrorKind::Io(io) => classify_io(io),
        ErrorKind::InvalidBaseUrl | ErrorKind::InvalidUrlHost | ErrorKind::InvalidUrlPort => {
            NotifyError::Config(e.to_string())
        }
        _ => NotifyError::Unavailable(e.to_string()),
    }
}

fn classify_io(e: &io::Error) -> NotifyError {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => NotifyError::Timeout(e.to_string()),
        _ => NotifyError::Unavailable(e.to_string()),
    }
}

impl From<Body> for UserInfo {
    fn from(b: Body) -> Self {
        UserInfo {
            devices: b.devices,
            licenses: b.licenses,
            group: b.group.is_some_and(|g| g != 0),
        }
    }
}
