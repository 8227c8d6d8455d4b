//! The local notifier used when no Pushover credentials are configured: a desktop
//! notification where a session bus and `notify-send` exist; the decision log always has it.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use cc_notify_core::{Kind, Notification, Notifier, NotifyError, Receipt};

/// Shows pushes on this machine's desktop, when it has one.
#[derive(Debug, Default)]
pub struct LocalNotifier {
    notify_send: Option<PathBuf>,
}

impl LocalNotifier {
    /// Detects `notify-send` and a D-Bus session bus.
    pub fn detect() -> Self {
        let has_bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some();
        LocalNotifier {
            notify_send: if has_bus {
                find_in_path("notify-send")
            } else {
                None
            },
        }
    }

    /// Whether pushes reach a desktop (otherwise only the log).
    pub fn has_desktop(&self) -> bool {
        self.notify_send.is_some()
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

impl Notifier for LocalNotifier {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        let Some(program) = &self.notify_send else {
            return Ok(Receipt::default());
        };
        let urgency = match n.kind {
            Kind::Error | Kind::NeedsInput => "critical",
            Kind::Done => "normal",
            Kind::Progress => "low",
        };
        let status = Command::new(program)
            .args([
                "--app-name=cc-notify",
                "-u",
                urgency,
                "--",
                &n.title,
                &n.body,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| NotifyError::Unavailable(format!("notify-send: {e}")))?;
        if status.success() {
            Ok(Receipt::default())
        } else {
            Err(NotifyError::Unavailable(format!(
                "notify-send exited with {status}"
            )))
        }
    }

    fn name(&self) -> &str {
        if self.has_desktop() { "desktop" } else { "log" }
    }
}
