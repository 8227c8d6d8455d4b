//! logind's `LockedHint`, on the system bus (`$DBUS_SYSTEM_BUS_ADDRESS`, else the standard
//! socket): a locked session means away, now. Its `IdleHint` is not used: on terminal and SSH
//! sessions logind derives it from the tty's access time (the pty probe's 8 s clock), and on
//! desktops it flips only after the desktop's own idle timeout.

use cc_notify_core::activity::{ActivityProbe, Certainty, Reading};

use crate::dbus::{self, Arg, Call, SYSTEM_BUS_DEFAULT};

const LOGIN1: &str = "org.freedesktop.login1";

/// The standard system bus socket.
pub const SYSTEM_BUS_SOCKET: &str = "/run/dbus/system_bus_socket";
const SESSION: &str = "org.freedesktop.login1.Session";

/// The user's logind session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogindProbe {
    address: String,
    session: Session,
}

/// How the session is found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Session {
    /// `$XDG_SESSION_ID`.
    Id(String),
    /// The session of this process (the agent), from the Manager's `GetSessionByPID`.
    OfPid(u32),
    /// logind's `auto`: the caller's session, else the user's display session.
    Auto,
}

impl LogindProbe {
    /// On the system bus at `address` (`$DBUS_SYSTEM_BUS_ADDRESS`, else the standard socket);
    /// the session from `$XDG_SESSION_ID`, else the agent's pid, else logind's `auto`. `None`
    /// when there is no system bus to ask.
    pub fn from_env(
        address: Option<&str>,
        session_id: Option<&str>,
        agent_pid: Option<u32>,
    ) -> Option<LogindProbe> {
        let address = match address.filter(|a| !a.is_empty()) {
            Some(a) => a.to_owned(),
            None if std::path::Path::new(SYSTEM_BUS_SOCKET).exists() => {
                SYSTEM_BUS_DEFAULT.to_owned()
            }
            None => return None,
        };
        let session = match (session_id.filter(|s| !s.is_empty()), agent_pid) {
            (Some(id), _) => Session::Id(id.to_owned()),
            (None, Some(pid)) => Session::OfPid(pid),
            (None, None) => Session::Auto,
        };
        Some(LogindProbe { address, session })
    }

    fn session_path(&self) -> Result<String, String> {
        match &self.session {
            Session::Id(id) => Ok(format!("/org/freedesktop/login1/session/{}", label(id))),
            Session::Auto => Ok("/org/freedesktop/login1/session/auto".into()),
            Session::OfPid(pid) => Call {
                address: self.address.clone(),
                dest: LOGIN1,
                path: "/org/freedesktop/login1".into(),
                interface: "org.freedesktop.login1.Manager",
                member: "GetSessionByPID",
                args: vec![Arg::U32(*pid)],
            }
            .run(|reply| {
                dbus::first::<rustbus::wire::ObjectPath<String>>(reply)
                    .map(|p| p.as_ref().to_owned())
            }),
        }
    }

    /// Whether the session is locked.
    pub fn locked(&self) -> Result<bool, String> {
        Call::property(
            self.address.clone(),
            LOGIN1,
            self.session_path()?,
            SESSION,
            "LockedHint",
        )
        .run(dbus::variant_bool)
    }
}

/// A session id as an object path label, escaped as systemd does (`bus_label_escape`): every
/// byte that is not a letter or digit, and a leading digit, becomes `_xx` (hex).
fn label(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for (i, b) in id.bytes().enumerate() {
        if b.is_ascii_alphabetic() || (b.is_ascii_digit() && i > 0) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    out
}

impl ActivityProbe for LogindProbe {
    fn name(&self) -> &'static str {
        "logind"
    }

    /// No input time; `LockedHint` true is away now.
    fn read(&self) -> Reading {
        let certainty = match self.locked() {
            Ok(true) => Certainty::AwayNow("session locked (LockedHint)"),
            Ok(false) => Certainty::Nothing,
            Err(why) => Certainty::Unknown(why),
        };
        Reading {
            probe: self.name(),
            input: None,
            certainty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_escaped_like_systemd() {
        assert_eq!(label("c1"), "c1");
        assert_eq!(label("3"), "_33");
        assert_eq!(label("12"), "_312");
        assert_eq!(label("a-b"), "a_2db");
    }

    #[test]
    fn the_session_comes_from_the_environment() {
        let p = LogindProbe::from_env(Some("unix:path=/x"), Some("c2"), Some(7)).unwrap();
        assert_eq!(p.session, Session::Id("c2".into()));
        let p = LogindProbe::from_env(Some("unix:path=/x"), None, Some(7)).unwrap();
        assert_eq!(p.session, Session::OfPid(7));
        let p = LogindProbe::from_env(Some("unix:path=/x"), Some(""), None).unwrap();
        assert_eq!(p.session, Session::Auto);
    }

    #[test]
    fn a_bus_that_is_not_there_reads_as_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let address = format!("unix:path={}", dir.path().join("none").display());
        let r = LogindProbe::from_env(Some(&address), Some("c1"), None)
            .unwrap()
            .read();
        assert!(matches!(r.certainty, Certainty::Unknown(_)), "{r:?}");
    }
}
