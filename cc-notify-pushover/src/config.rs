//! [`PushoverConfig`]: the `[pushover]` table of the cc-notify config file, and its local
//! validation ([`ConfigError`]).

use std::fmt;
use std::time::Duration;

use cc_notify_core::endpoint::UrlProblem;
use cc_notify_core::{Kind, NotifyError};
use serde::{Deserialize, Deserializer};

/// The real Message API endpoint, the default `api_url`.
pub const DEFAULT_API_URL: &str = "https://api.pushover.net/1/messages.json";

/// The default emergency repeat interval (`retry`), in seconds.
pub const DEFAULT_RETRY_SECS: u64 = 60;
/// The default emergency lifetime (`expire`), in seconds.
pub const DEFAULT_EXPIRE_SECS: u64 = 3600;
/// The shortest emergency repeat interval Pushover accepts, in seconds.
pub const MIN_RETRY_SECS: u64 = 30;
/// The longest emergency lifetime Pushover accepts, in seconds (3 h).
pub const MAX_EXPIRE_SECS: u64 = 10_800;

/// How long to wait for the TCP (and TLS) connection by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait for the answer once connected, by default.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The Pushover settings: credentials, endpoint, per-kind sound and priority, timeouts.
///
/// In the cc-notify config file this is the `[pushover]` table; every key is optional
/// (`token` and `user` may come from the environment instead) and unknown keys are refused:
///
/// ```toml
/// [pushover]
/// token = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"   # application token (30 chars, A-Z a-z 0-9)
/// user = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"    # user or group key (same format)
/// api_url = "https://api.pushover.net/1/messages.json"  # default; users/validate.json is derived
/// device = "phone"                            # optional: only these devices (comma-separated)
/// url = "https://example.com"                 # optional default link when a push has none
/// url_title = "Open"                          # optional label for that link
/// ttl = 3600                                  # optional: delete from devices after N seconds
/// retry = 60                                  # emergency (priority 2) repeat interval, >= 30 s
/// expire = 3600                               # emergency lifetime, <= 10800 s
/// connect_timeout = 5                         # seconds (fractions allowed)
/// read_timeout = 10                           # seconds for the whole answer after connecting
///
/// [pushover.sounds]                           # "" = the device's default sound
/// done = "magic"
/// error = "siren"
/// needs_input = "echo"
/// progress = ""
///
/// [pushover.priorities]                       # -2 silent … 2 emergency
/// done = 0
/// error = 1
/// needs_input = 1
/// progress = -2
/// ```
///
/// `Debug` never shows the token or the user key.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushoverConfig {
    /// The application API token; empty when not configured.
    pub token: String,
    /// The user (or group) key; empty when not configured.
    pub user: String,
    /// The Message API URL; `users/validate.json` is derived from it. `http://` is allowed
    /// only for loopback hosts.
    pub api_url: String,
    /// Deliver only to these devices (comma-separated names); `None` for all active devices.
    pub device: Option<String>,
    /// A link for pushes that carry none.
    pub url: Option<String>,
    /// The label of the link.
    pub url_title: Option<String>,
    /// Seconds until the message is deleted from devices (ignored for emergency priority).
    pub ttl: Option<u64>,
    /// Emergency priority: seconds between repeats (at least 30).
    pub retry: u64,
    /// Emergency priority: seconds until repeats stop (at most 10800).
    pub expire: u64,
    /// The bound on connecting (TCP and TLS), in seconds in the config file. DNS is not bounded.
    #[serde(deserialize_with = "seconds")]
    pub connect_timeout: Duration,
    /// The bound on the whole answer after connecting, in seconds in the config file.
    #[serde(deserialize_with = "seconds")]
    pub read_timeout: Duration,
    /// The sound per kind.
    pub sounds: Sounds,
    /// The priority per kind.
    pub priorities: Priorities,
}

/// The Pushover sound per [`Kind`]: a built-in or custom sound name; `None` (or `""` in the
/// config file) lets the device's default sound play.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sounds {
    /// A finished turn; default `magic` (pleasant).
    pub done: Option<String>,
    /// A failed turn; default `siren` (alarm).
    pub error: Option<String>,
    /// The agent waits for the user; default `echo` (distinct from the others).
    pub needs_input: Option<String>,
    /// A progress update; default none (it is sent silently anyway).
    pub progress: Option<String>,
}

impl Default for Sounds {
    fn default() -> Self {
        Sounds {
            done: Some("magic".into()),
            error: Some("siren".into()),
            needs_input: Some("echo".into()),
            progress: None,
        }
    }
}

impl Sounds {
    /// The sound to request for `kind`, if any.
    pub fn for_kind(&self, kind: Kind) -> Option<&str> {
        let s = match kind {
            Kind::Done => &self.done,
            Kind::Error => &self.error,
            Kind::NeedsInput => &self.needs_input,
            Kind::Progress => &self.progress,
        };
        s.as_deref().filter(|s| !s.is_empty())
    }
}

/// The Pushover priority (-2 ..= 2) per [`Kind`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Priorities {
    /// A finished turn; default 0 (normal).
    pub done: i8,
    /// A failed turn; default 1 (high).
    pub error: i8,
    /// The agent waits for the user; default 1 (high).
    pub needs_input: i8,
    /// A progress update; default -2 (no alert at all).
    pub progress: i8,
}

impl Default for Priorities {
    fn default() -> Self {
        Priorities {
            done: 0,
            error: 1,
            needs_input: 1,
            progress: -2,
        }
    }
}

impl Priorities {
    /// The priority for `kind`.
    pub fn for_kind(&self, kind: Kind) -> i8 {
        match kind {
            Kind::Done => self.done,
            Kind::Error => self.error,
            Kind::NeedsInput => self.needs_input,
            Kind::Progress => self.progress,
        }
    }
}

impl Default for PushoverConfig {
    fn default() -> Self {
        PushoverConfig {
            token: String::new(),
            user: String::new(),
            api_url: DEFAULT_API_URL.into(),
            device: None,
            url: None,
            url_title: None,
            ttl: None,
            retry: DEFAULT_RETRY_SECS,
            expire: DEFAULT_EXPIRE_SECS,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            sounds: Sounds::default(),
            priorities: Priorities::default(),
        }
    }
}

impl PushoverConfig {
    /// The default settings with these credentials.
    pub fn new(token: impl Into<String>, user: impl Into<String>) -> Self {
        PushoverConfig {
            token: token.into(),
            user: user.into(),
            ..Self::default()
        }
    }
}

/// Shows whether a secret is set and how long it is, never the secret.
pub(crate) struct Redacted<'a>(pub &'a str);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("<empty>")
        } else {
            write!(f, "<set, {} chars>", self.0.chars().count())
        }
    }
}

impl fmt::Debug for PushoverConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushoverConfig")
            .field("token", &Redacted(&self.token))
            .field("user", &Redacted(&self.user))
            .field("api_url", &self.api_url)
            .field("device", &self.device)
            .field("url", &self.url)
            .field("url_title", &self.url_title)
            .field("ttl", &self.ttl)
            .field("retry", &self.retry)
            .field("expire", &self.expire)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("sounds", &self.sounds)
            .field("priorities", &self.priorities)
            .finish()
    }
}

/// Reads a duration given in (possibly fractional) seconds.
fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let secs = f64::deserialize(d)?;
    Duration::try_from_secs_f64(secs).map_err(serde::de::Error::custom)
}

/// Which credential a [`ConfigError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// The application API token (`token`, `PUSHOVER_TOKEN`).
    Token,
    /// The user or group key (`user`, `PUSHOVER_USER`).
    User,
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Credential::Token => "application token (`token`)",
            Credential::User => "user key (`user`)",
        })
    }
}

/// Why a [`PushoverConfig`] is unusable. All are permanent; none contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The token or user key is not set.
    #[error("the Pushover {0} is not set")]
    Missing(Credential),
    /// The token or user key is not 30 characters of `[A-Za-z0-9]`.
    #[error("the Pushover {which} is malformed: {problem} (expected 30 characters A-Z, a-z, 0-9)")]
    Malformed {
        /// Which credential.
        which: Credential,
        /// What is wrong with it, without quoting it.
        problem: String,
    },
    /// `api_url` is not an http(s) URL ending in `messages.json`.
    #[error("api_url {0:?} is not an https URL ending in messages.json")]
    BadUrl(String),
    /// `api_url` uses plain http to a host that is not loopback: the token would travel in clear.
    #[error("api_url {0:?} uses plain http to a non-loopback host; use https")]
    InsecureUrl(String),
    /// A device name is not 1–25 characters of `[A-Za-z0-9_-]`.
    #[error("device name {0:?} is not 1-25 characters of A-Z, a-z, 0-9, _ or -")]
    BadDevice(String),
    /// A priority is outside -2 ..= 2.
    #[error("priority {value} for {kind} is outside -2..=2")]
    BadPriority {
        /// The kind it is configured for (`done`, `error`, …).
        kind: &'static str,
        /// The configured value.
        value: i8,
    },
    /// `retry` is below 30 s.
    #[error("retry = {0} s is below Pushover's minimum of 30 s")]
    BadRetry(u64),
    /// `expire` is 0 or above 10800 s.
    #[error("expire = {0} s is outside Pushover's 1..=10800 s")]
    BadExpire(u64),
    /// `ttl` is 0.
    #[error("ttl must be positive")]
    BadTtl,
    /// A timeout is zero.
    #[error("{0} must be positive")]
    ZeroTimeout(&'static str),
}

impl From<ConfigError> for NotifyError {
    fn from(e: ConfigError) -> Self {
        NotifyError::Config(e.to_string())
    }
}

/// Checks a token or key: 30 characters of `[A-Za-z0-9]`. The error never quotes the secret.
pub fn check_key(which: Credential, key: &str) -> Result<(), ConfigError> {
    if key.is_empty() {
        return Err(ConfigError::Missing(which));
    }
    let problem = if let Some(pos) = key.chars().position(|c| !c.is_ascii_alphanumeric()) {
        format!("character {} is not a letter or digit", pos + 1)
    } else if key.len() != 30 {
        format!("it has {} characters", key.len())
    } else {
        return Ok(());
    };
    Err(ConfigError::Malformed { which, problem })
}

/// Checks a comma-separated device list.
pub(crate) fn check_devices(devices: &str) -> Result<(), ConfigError> {
    for name in devices.split(',') {
        let ok = (1..=25).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !ok {
            return Err(ConfigError::BadDevice(name.to_owned()));
        }
    }
    Ok(())
}

/// Checks the endpoint and derives `users/validate.json` from it.
pub(crate) fn validate_url_for(api_url: &str) -> Result<String, ConfigError> {
    let bad = || ConfigError::BadUrl(api_url.to_owned());
    let prefix = match cc_notify_core::endpoint::check(api_url) {
        Ok(prefix) => prefix,
        Err(UrlProblem::Malformed) => return Err(bad()),
        Err(UrlProblem::Insecure) => return Err(ConfigError::InsecureUrl(api_url.to_owned())),
    };
    let base = api_url.strip_suffix("messages.json").ok_or_else(bad)?;
    if !base.ends_with('/') || base.len() <= prefix {
        return Err(bad());
    }
    Ok(format!("{base}users/validate.json"))
}

impl PushoverConfig {
    /// Checks everything that can be checked without the network; returns the derived
    /// `users/validate.json` URL.
    pub(crate) fn check(&self) -> Result<String, ConfigError> {
        check_key(Credential::Token, &self.token)?;
        check_key(Credential::User, &self.user)?;
        let validate_url = validate_url_for(&self.api_url)?;
        if let Some(d) = &self.device {
            check_devices(d)?;
        }
        for kind in Kind::ALL {
            let value = self.priorities.for_kind(kind);
            if !(-2..=2).contains(&value) {
                let kind = match kind {
                    Kind::NeedsInput => "needs_input",
                    other => other.as_str(),
                };
                return Err(ConfigError::BadPriority { kind, value });
            }
        }
        if self.retry < MIN_RETRY_SECS {
            return Err(ConfigError::BadRetry(self.retry));
        }
        if !(1..=MAX_EXPIRE_SECS).contains(&self.expire) {
            return Err(ConfigError::BadExpire(self.expire));
        }
        if self.ttl == Some(0) {
            return Err(ConfigError::BadTtl);
        }
        if self.connect_timeout.is_zero() {
            return Err(ConfigError::ZeroTimeout("connect_timeout"));
        }
        if self.read_timeout.is_zero() {
            return Err(ConfigError::ZeroTimeout("read_timeout"));
        }
        Ok(validate_url)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    const TOKEN: &str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
    const USER: &str = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";

    #[test]
    fn toml_table_with_only_credentials_gets_the_documented_defaults() {
        let cfg: PushoverConfig =
            toml::from_str(&format!("token = \"{TOKEN}\"\nuser = \"{USER}\"\n")).unwrap();
        assert_eq!(cfg, PushoverConfig::new(TOKEN, USER));
        assert_eq!(cfg.api_url, DEFAULT_API_URL);
        assert_eq!(cfg.sounds.for_kind(Kind::Done), Some("magic"));
        assert_eq!(cfg.priorities.for_kind(Kind::Progress), -2);
    }

    #[test]
    fn toml_overrides_sounds_priorities_and_timeouts() {
        let cfg: PushoverConfig = toml::from_str(
            "read_timeout = 0.5\n[sounds]\ndone = \"bike\"\nerror = \"\"\n[priorities]\nerror = 2\n",
        )
        .unwrap();
        assert_eq!(cfg.read_timeout, Duration::from_millis(500));
        assert_eq!(cfg.sounds.for_kind(Kind::Done), Some("bike"));
        assert_eq!(cfg.sounds.for_kind(Kind::Error), None);
        assert_eq!(cfg.sounds.for_kind(Kind::NeedsInput), Some("echo"));
        assert_eq!(cfg.priorities.error, 2);
        assert_eq!(cfg.priorities.done, 0);
        assert!(toml::from_str::<PushoverConfig>("tokne = \"x\"").is_err());
    }

    #[test]
    fn bad_credentials_name_the_culprit_and_never_echo_it() {
        let secret = "azGDORePK8gMaC0QOYAMyEEuzJnyU!";
        let e = PushoverConfig::new(secret, USER).check().unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("token") && !msg.contains("azGD"), "{msg}");
        let e = PushoverConfig::new(TOKEN, "uQiRzpo4DXghDmr9Qz")
            .check()
            .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("user key") && msg.contains("18 characters") && !msg.contains("uQiR"),
            "{msg}"
        );
        assert_eq!(
            PushoverConfig::new("", USER).check(),
            Err(ConfigError::Missing(Credential::Token))
        );
        assert_eq!(
            PushoverConfig::new(TOKEN, "").check(),
            Err(ConfigError::Missing(Credential::User))
        );
    }

    #[test]
    fn debug_hides_the_secrets() {
        let shown = format!("{:?}", PushoverConfig::new(TOKEN, USER));
        assert!(!shown.contains(TOKEN) && !shown.contains(USER), "{shown}");
        assert!(shown.contains("<set, 30 chars>"));
    }

    #[test]
    fn validate_url_is_derived_and_plain_http_only_for_loopback() {
        assert_eq!(
            validate_url_for(DEFAULT_API_URL).unwrap(),
            "https://api.pushover.net/1/users/validate.json"
        );
        assert_eq!(
            validate_url_for("http://127.0.0.1:8080/1/messages.json").unwrap(),
            "http://127.0.0.1:8080/1/users/validate.json"
        );
        assert!(validate_url_for("http://[::1]:9/messages.json").is_ok());
        assert!(validate_url_for("http://localhost/x/messages.json").is_ok());
        assert!(matches!(
            validate_url_for("http://api.pushover.net/1/messages.json"),
            Err(ConfigError::InsecureUrl(_))
        ));
        for bad in [
            "ftp://x/messages.json",
            "https://x/1/send",
            "https://messages.json",
            "https:///messages.json",
        ] {
            assert!(validate_url_for(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn out_of_range_settings_are_refused() {
        let base = PushoverConfig::new(TOKEN, USER);
        let mut c = base.clone();
        c.retry = 29;
        assert_eq!(c.check(), Err(ConfigError::BadRetry(29)));
        let mut c = base.clone();
        c.expire = 10_801;
        assert_eq!(c.check(), Err(ConfigError::BadExpire(10_801)));
        let mut c = base.clone();
        c.priorities.needs_input = 3;
        assert_eq!(
            c.check(),
            Err(ConfigError::BadPriority {
                kind: "needs_input",
                value: 3
            })
        );
        let mut c = base.clone();
        c.device = Some("phone,bad name".into());
        assert_eq!(c.check(), Err(ConfigError::BadDevice("bad name".into())));
        let mut c = base;
        c.device = Some("phone,my-tablet_2".into());
        assert!(c.check().is_ok());
    }
}
