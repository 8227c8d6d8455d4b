//! [`Desktop`]: a desktop notification through `org.freedesktop.Notifications` on the
//! session bus (pure-Rust D-Bus via `rustbus`; no libdbus, no `notify-send`).
//!
//! ```toml
//! [desktop]
//! enabled = false   # true to show notifications on this machine's desktop
//! ```
//!
//! Each push is one `Notify(app_name "cc-notify", replaces_id, "", title, body, [], hints,
//! -1)` call. The hint `urgency` follows the kind: progress 0 (low), done 1 (normal), error
//! and needs input 2 (critical — most daemons keep those until dismissed). Pushes about the
//! same session replace each other instead of stacking: the sender remembers the id the
//! daemon gave the session's last notification and passes it as `replaces_id` (the id is also
//! the receipt's `request_id`, so a caller living across processes can keep it and use
//! [`Desktop::send_replacing`]); the hint `x-dunst-stack-tag` = `cc-notify-<session>` makes
//! dunst replace them even across processes.
//!
//! Without a session bus (`$DBUS_SESSION_BUS_ADDRESS` unset: SSH, headless) the backend
//! cannot be built. The whole exchange — connect, authenticate, call, answer — is bounded by
//! one timeout (default 3 s).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use cc_notify_core::{Kind, Notification, Notifier, NotifyError, Receipt};
use rustbus::connection::Timeout;
use rustbus::connection::ll_conn::force_finish_on_error;
use rustbus::message_builder::MarshalledMessage;
use rustbus::wire::errors::{MarshalError, UnmarshalError};
use rustbus::wire::marshal::MarshalContext;
use rustbus::wire::marshal::traits::SignatureBuffer;
use rustbus::{Marshal, MessageBuilder, MessageType, RpcConn, Signature};
use serde::Deserialize;

use crate::config::ConfigError;

/// The environment variable that names the session bus.
pub const BUS_VAR: &str = "DBUS_SESSION_BUS_ADDRESS";
/// How long one notification may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// The `app_name` the daemon shows.
pub const APP_NAME: &str = "cc-notify";

/// The `[desktop]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DesktopConfig {
    /// Show desktop notifications.
    pub enabled: bool,
}

impl DesktopConfig {
    /// The backend is configured: `enabled = true`.
    pub fn is_configured(&self) -> bool {
        self.enabled
    }
}

/// Shows notifications on the desktop through the session bus's notification daemon.
#[derive(Debug, Clone)]
pub struct Desktop {
    bus: String,
    timeout: Duration,
    last_ids: Arc<Mutex<HashMap<String, u32>>>,
}

impl Desktop {
    /// A sender for `cfg` on the session bus at `bus_address` (the value of
    /// `$DBUS_SESSION_BUS_ADDRESS`, passed in so the caller decides which environment counts).
    pub fn from_config(
        cfg: &DesktopConfig,
        bus_address: Option<&str>,
    ) -> Result<Self, ConfigError> {
        if !cfg.enabled {
            return Err(ConfigError::BadValue {
                section: "desktop",
                key: "enabled",
                problem: "desktop notifications are off (enabled = false)".into(),
            });
        }
        let bus = bus_address
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ConfigError::BadValue {
                section: "desktop",
                key: "enabled",
                problem: format!(
                    "no D-Bus session bus: ${BUS_VAR} is unset (an SSH or headless session?)"
                ),
            })?;
        unix_addr(bus).map_err(|problem| ConfigError::BadValue {
            section: "desktop",
            key: "enabled",
            problem,
        })?;
        Ok(Desktop {
            bus: bus.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            last_ids: Arc::default(),
        })
    }

    /// The same sender with another time bound.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Shows `n`, replacing the notification with id `replaces` (0: none); returns the id the
    /// daemon gave the new one.
    pub fn send_replacing(&self, n: &Notification, replaces: u32) -> Result<u32, NotifyError> {
        let urgency: u8 = match n.kind {
            Kind::Progress => 0,
            Kind::Done => 1,
            Kind::Error | Kind::NeedsInput => 2,
        };
        let stack_tag = n.session_id.as_ref().map(|s| format!("cc-notify-{s}"));
        let (summary, body) = (n.title.clone(), escape_markup(&n.body));
        self.exchange(
            "Notify",
            move |call| {
                let mut hints: HashMap<&str, Hint<'_>> = HashMap::new();
                hints.insert("urgency", Hint::Byte(urgency));
                if let Some(tag) = &stack_tag {
                    hints.insert("x-dunst-stack-tag", Hint::Str(tag));
                }
                let actions: &[&str] = &[];
                call.body.push_param(APP_NAME)?;
                call.body.push_param(replaces)?;
                call.body.push_param("")?;
                call.body.push_param(summary.as_str())?;
                call.body.push_param(body.as_str())?;
                call.body.push_param(actions)?;
                call.body.push_param(&hints)?;
                call.body.push_param(-1i32)
            },
            |reply| reply.body.parser().get::<u32>(),
        )
    }

    /// The daemon's `GetServerInformation`: (name, vendor, version, spec version), for
    /// `doctor` — e.g. `("dunst", "knopwob", "1.9.0 (2022-06-27)", "1.2")`.
    pub fn server_information(&self) -> Result<[String; 4], NotifyError> {
        self.exchange(
            "GetServerInformation",
            |_| Ok(()),
            |reply| {
                let mut p = reply.body.parser();
                let mut next = || p.get::<&str>().map(str::to_owned);
                Ok([next()?, next()?, next()?, next()?])
            },
        )
    }

    /// Calls `member` on the notification daemon and reads its reply, the whole exchange
    /// bounded by the timeout. rustbus's connect and authentication block without a bound,
    /// so the exchange runs on its own thread, abandoned past the timeout.
    fn exchange<T: Send + 'static>(
        &self,
        member: &'static str,
        params: impl FnOnce(&mut MarshalledMessage) -> Result<(), MarshalError> + Send + 'static,
        read: impl FnOnce(&MarshalledMessage) -> Result<T, UnmarshalError> + Send + 'static,
    ) -> Result<T, NotifyError> {
        let addr = unix_addr(&self.bus).map_err(NotifyError::Config)?;
        let timeout = self.timeout;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let result = (|| -> Result<T, NotifyError> {
                let mut conn = RpcConn::connect_to_path(addr, Timeout::Duration(timeout))
                    .map_err(|e| classify(&e))?;
                let mut call = MessageBuilder::new()
                    .call(member)
                    .with_interface("org.freedesktop.Notifications")
                    .on("/org/freedesktop/Notifications")
                    .at("org.freedesktop.Notifications")
                    .build();
                params(&mut call).map_err(|e| NotifyError::Config(format!("D-Bus: {e}")))?;
                let serial = conn
                    .send_message(&mut call)
                    .map_err(|e| classify(&e))?
                    .write_all()
                    .map_err(force_finish_on_error)
                    .map_err(|e| classify(&e))?;
                let reply = conn
                    .wait_response(serial, Timeout::Duration(timeout))
                    .map_err(|e| classify(&e))?;
                match reply.typ {
                    MessageType::Reply => read(&reply).map_err(|e| {
                        NotifyError::Unavailable(format!("D-Bus: unreadable {member} reply: {e}"))
                    }),
                    _ => {
                        let name = reply.dynheader.error_name.clone().unwrap_or_default();
                        let text = reply
                            .body
                            .parser()
                            .get::<&str>()
                            .unwrap_or_default()
                            .to_owned();
                        Err(NotifyError::Unavailable(format!(
                            "the notification daemon answered {name}: {text}"
                        )))
                    }
                }
            })();
            let _ = tx.send(result);
        });
        rx.recv_timeout(self.timeout).unwrap_or_else(|_| {
            Err(NotifyError::Timeout(format!(
                "no answer from the session bus's notification daemon within {:?}",
                self.timeout
            )))
        })
    }
}

impl Notifier for Desktop {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        let previous = n.session_id.as_ref().and_then(|s| {
            self.last_ids
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(s)
                .copied()
        });
        let id = self.send_replacing(n, previous.unwrap_or(0))?;
        if let Some(s) = &n.session_id {
            self.last_ids
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(s.clone(), id);
        }
        Ok(Receipt {
            request_id: Some(id.to_string()),
            ..Receipt::default()
        })
    }

    fn name(&self) -> &str {
        "desktop"
    }
}

/// A D-Bus variant holding a byte or a string (the hints cc-notify sends).
enum Hint<'a> {
    Byte(u8),
    Str(&'a str),
}

impl Signature for Hint<'_> {
    fn signature() -> rustbus::signature::Type {
        rustbus::signature::Type::Container(rustbus::signature::Container::Variant)
    }
    fn alignment() -> usize {
        1
    }
    fn sig_str(s: &mut SignatureBuffer) {
        s.push_static("v");
    }
    fn has_sig(sig: &str) -> bool {
        sig.starts_with('v')
    }
}

impl Marshal for Hint<'_> {
    fn marshal(&self, ctx: &mut MarshalContext) -> Result<(), MarshalError> {
        match self {
            Hint::Byte(b) => b.marshal_as_variant(ctx),
            Hint::Str(s) => s.marshal_as_variant(ctx),
        }
    }
}

/// Parses a D-Bus address's first usable `unix:path=` or `unix:abstract=` entry.
fn unix_addr(address: &str) -> Result<nix::sys::socket::UnixAddr, String> {
    for entry in address.split(';') {
        let Some(pairs) = entry.strip_prefix("unix:") else {
            continue;
        };
        for pair in pairs.split(',') {
            let made = match pair.split_once('=') {
                Some(("path", p)) => nix::sys::socket::UnixAddr::new(p),
                Some(("abstract", a)) => nix::sys::socket::UnixAddr::new_abstract(a.as_bytes()),
                _ => continue,
            };
            return made.map_err(|e| format!("the session bus address is unusable: {e}"));
        }
    }
    Err(format!(
        "${BUS_VAR} has no unix:path= or unix:abstract= address"
    ))
}

fn classify(e: &rustbus::connection::Error) -> NotifyError {
    use rustbus::connection::Error;
    match e {
        Error::TimedOut => NotifyError::Timeout("D-Bus: timed out".into()),
        Error::AddressTypeNotSupported(_) | Error::NoAddressFound | Error::PathDoesNotExist(_) => {
            NotifyError::Config(format!("D-Bus: {e}"))
        }
        _ => NotifyError::Unavailable(format!("D-Bus: {e}")),
    }
}

/// Escapes `&`, `<` and `>`, which daemons with `body-markup` would otherwise read as markup.
fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn it_needs_enabled_and_a_session_bus() {
        let on = DesktopConfig { enabled: true };
        assert!(
            toml::from_str::<DesktopConfig>("enabled = true")
                .unwrap()
                .is_configured()
        );
        assert!(toml::from_str::<DesktopConfig>("enable = true").is_err());
        let e = Desktop::from_config(&DesktopConfig::default(), Some("unix:path=/x")).unwrap_err();
        assert!(e.to_string().contains("enabled = false"), "{e}");
        let e = Desktop::from_config(&on, None).unwrap_err();
        assert!(e.to_string().contains(BUS_VAR), "{e}");
        let e = Desktop::from_config(&on, Some("tcp:host=x,port=1")).unwrap_err();
        assert!(e.to_string().contains("unix:path="), "{e}");
        assert!(Desktop::from_config(&on, Some("unix:abstract=/tmp/dbus-x,guid=1")).is_ok());
        assert!(Desktop::from_config(&on, Some("unix:path=/run/user/1/bus")).is_ok());
    }

    #[test]
    fn a_missing_bus_socket_is_an_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let addr = format!("unix:path={}", dir.path().join("no-bus").display());
        let d = Desktop::from_config(&DesktopConfig { enabled: true }, Some(&addr)).unwrap();
        let e = d
            .send(&Notification::new(Kind::Done, "t", "b"))
            .unwrap_err();
        assert!(e.is_transient(), "{e:?}");
    }
}
