//! What the backends' configurations share: [`ConfigError`], URL checks, secrets kept out of
//! `Debug` output and error messages.

use std::fmt;

use cc_notify_core::NotifyError;
use cc_notify_core::endpoint::UrlProblem;

/// Why a backend's configuration is unusable. Permanent; never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required key is not set.
    #[error("[{section}] {key} is not set{}", env.map(|v| format!(" (nor is ${v})")).unwrap_or_default())]
    Missing {
        /// The config table (`ntfy`, `telegram`, …).
        section: &'static str,
        /// The key (`url`, `topic`, …).
        key: &'static str,
        /// The environment variable that may stand in for it.
        env: Option<&'static str>,
    },
    /// A URL is not an absolute http(s) URL with a host.
    #[error("[{section}] {key} = {url:?} is not an http(s) URL with a host")]
    BadUrl {
        /// The config table.
        section: &'static str,
        /// The key.
        key: &'static str,
        /// The URL as configured (never a secret-bearing one).
        url: String,
    },
    /// A URL uses plain http to a host that is not loopback: what it carries would travel in
    /// clear.
    #[error("[{section}] {key} = {url:?} uses plain http to a non-loopback host; use https")]
    InsecureUrl {
        /// The config table.
        section: &'static str,
        /// The key.
        key: &'static str,
        /// The URL as configured.
        url: String,
    },
    /// A value is set but unusable.
    #[error("[{section}] {key}: {problem}")]
    BadValue {
        /// The config table.
        section: &'static str,
        /// The key.
        key: &'static str,
        /// What is wrong, without quoting a secret.
        problem: String,
    },
}

impl From<ConfigError> for NotifyError {
    fn from(e: ConfigError) -> Self {
        NotifyError::Config(e.to_string())
    }
}

/// A credential: shown by `Debug` as whether it is set and how long, never its text.
#[derive(Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The credential itself, for the request that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// No credential is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `text` with every occurrence of the credential replaced by `<redacted>`.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() {
            text.to_owned()
        } else {
            text.replace(&self.0, "<redacted>")
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("<empty>")
        } else {
            write!(f, "<set, {} chars>", self.0.chars().count())
        }
    }
}

/// Fills `field` from the first of `vars` that is set and non-empty (the environment
/// overrides the file, like the Pushover credentials).
pub(crate) fn override_from_env(
    field: &mut Secret,
    vars: &[&str],
    env: &dyn Fn(&str) -> Option<String>,
) {
    if let Some(v) = vars.iter().find_map(|v| env(v).filter(|s| !s.is_empty())) {
        *field = Secret(v);
    }
}

/// Checks an endpoint: http(s), a host, no credentials in the authority, and plain http only
/// to loopback (tests, local gateways).
pub(crate) fn check_url(
    section: &'static str,
    key: &'static str,
    url: &str,
) -> Result<(), ConfigError> {
    match cc_notify_core::endpoint::check(url) {
        Ok(_) => Ok(()),
        Err(UrlProblem::Malformed) => Err(ConfigError::BadUrl {
            section,
            key,
            url: url.to_owned(),
        }),
        Err(UrlProblem::Insecure) => Err(ConfigError::InsecureUrl {
            section,
            key,
            url: url.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_stay_out_of_debug_and_scrubbed_text() {
        let s = Secret::new("tk_abcdefghijkl");
        let shown = format!("{s:?}");
        assert_eq!(shown, "<set, 15 chars>");
        assert_eq!(
            s.scrub("GET /bottk_abcdefghijkl/sendMessage failed"),
            "GET /bot<redacted>/sendMessage failed"
        );
        assert_eq!(format!("{:?}", Secret::default()), "<empty>");
    }

    #[test]
    fn urls_must_be_https_or_loopback_http() {
        for ok in [
            "https://ntfy.sh",
            "https://ntfy.example:8443/base",
            "http://127.0.0.1:9000",
            "http://[::1]:80/x",
            "http://localhost",
        ] {
            assert_eq!(check_url("ntfy", "url", ok), Ok(()), "{ok}");
        }
        for bad in [
            "ftp://x",
            "https://",
            "https://u:p@host",
            "ntfy.sh",
            "https://a b",
        ] {
            assert!(
                matches!(
                    check_url("ntfy", "url", bad),
                    Err(ConfigError::BadUrl { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            check_url("ntfy", "url", "http://ntfy.sh"),
            Err(ConfigError::InsecureUrl { .. })
        ));
    }

    #[test]
    fn the_environment_overrides_the_file_when_non_empty() {
        let mut s = Secret::new("from-file");
        override_from_env(&mut s, &["A"], &|_| Some(String::new()));
        assert_eq!(s.expose(), "from-file");
        override_from_env(&mut s, &["A"], &|v| (v == "A").then(|| "from-env".into()));
        assert_eq!(s.expose(), "from-env");
    }
}
