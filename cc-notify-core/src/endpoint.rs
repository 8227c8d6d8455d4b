//! Checking a service's endpoint URL from the config, for every notifier crate: http(s), a
//! host, no credentials in the authority, no spaces, and plain http only to loopback (tests,
//! local gateways). Each crate turns a [`UrlProblem`] into its own config error.

/// What is wrong with an endpoint URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlProblem {
    /// Not an http(s) URL with a host, or credentials or spaces in it.
    Malformed,
    /// Plain http to a host other than loopback.
    Insecure,
}

/// Checks `url`; on success, the length of its `scheme://authority` part.
///
/// ```
/// use cc_notify_core::endpoint::{UrlProblem, check};
/// assert_eq!(check("https://ntfy.sh/topic"), Ok("https://ntfy.sh".len()));
/// assert_eq!(check("http://[::1]:8080/x"), Ok("http://[::1]:8080".len()));
/// assert_eq!(check("http://ntfy.sh"), Err(UrlProblem::Insecure));
/// assert_eq!(check("https://user:pw@ntfy.sh"), Err(UrlProblem::Malformed));
/// ```
pub fn check(url: &str) -> Result<usize, UrlProblem> {
    let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(UrlProblem::Malformed);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() || authority.contains('@') || url.chars().any(char::is_whitespace) {
        return Err(UrlProblem::Malformed);
    }
    if !https && !is_loopback(host) {
        return Err(UrlProblem::Insecure);
    }
    Ok(url.len() - rest.len() + authority.len())
}

/// `localhost` or a loopback address.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
