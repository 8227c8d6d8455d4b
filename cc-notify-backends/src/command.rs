//! [`Command`]: runs the user's program once per notification, with the notification as JSON
//! on stdin and in environment variables, bounded in time.
//!
//! ```toml
//! [command]
//! argv = ["notify-me", "--loud"]   # program and arguments; no shell is involved
//! ```
//!
//! * stdin: the notification as JSON, the same shape as the webhook's `json` format
//!   (`{"kind","title","body","priority"?,"url"?,"session_id"?,"project"?,"timestamp"?}`),
//!   then end of file.
//! * environment: `CC_NOTIFY_KIND` (`done`, `error`, `needs_input`, `progress`),
//!   `CC_NOTIFY_TITLE`, `CC_NOTIFY_BODY`, and when known `CC_NOTIFY_PRIORITY`, `CC_NOTIFY_URL`,
//!   `CC_NOTIFY_SESSION_ID`, `CC_NOTIFY_PROJECT`, `CC_NOTIFY_TIMESTAMP`; each value without
//!   NUL bytes and cut to 16 KiB (stdin has the whole text).
//! * stdout is discarded; the first 2 KiB of stderr go into the error when the program fails.
//! * Exit 0 is success; 75 (`EX_TEMPFAIL`) a transient failure that is retried; any other
//!   status a permanent one. Past the time limit (default 10 s) the program and everything it
//!   started in its process group are killed with SIGKILL and the send is a timeout. What the
//!   program leaves running in its process group is killed at the time limit too, but then
//!   the program's exit status decides.

use std::io::{Read, Write};
use std::process::{ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cc_notify_core::{Kind, Notification, Notifier, NotifyError, Receipt};
use serde::Deserialize;

use crate::config::ConfigError;

/// How long the program may run by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The exit status that means "try again later" (sysexits' `EX_TEMPFAIL`).
pub const EX_TEMPFAIL: i32 = 75;
/// The longest value put in one environment variable, in bytes (Linux refuses more than
/// 128 KiB per string, and the whole environment shares the argument space). stdin always
/// carries the whole notification.
pub const MAX_ENV_BYTES: usize = 16 * 1024;
/// The most of stderr kept for an error message.
const MAX_STDERR: u64 = 2048;

/// The `[command]` table. Its `Debug` output includes the arguments; log the [`Command`]
/// instead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommandConfig {
    /// The program and its arguments.
    pub argv: Vec<String>,
}

impl CommandConfig {
    /// The backend is configured: `argv` names a program.
    pub fn is_configured(&self) -> bool {
        !self.argv.is_empty()
    }
}

/// Runs a program per notification. `Debug` shows the program, not its arguments (which may
/// carry a token).
#[derive(Clone)]
pub struct Command {
    argv: Vec<String>,
    timeout: Duration,
}

impl Command {
    /// A runner for `cfg`; refuses an empty `argv` or an empty program name.
    pub fn from_config(cfg: &CommandConfig) -> Result<Self, ConfigError> {
        match cfg.argv.first() {
            None => Err(ConfigError::Missing {
                section: "command",
                key: "argv",
                env: None,
            }),
            Some(p) if p.is_empty() => Err(ConfigError::BadValue {
                section: "command",
                key: "argv",
                problem: "the program name (the first element) is empty".into(),
            }),
            Some(_) => Ok(Command {
                argv: cfg.argv.clone(),
                timeout: DEFAULT_TIMEOUT,
            }),
        }
    }

    /// The same runner with another time limit.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Checks that the program can be found and is executable (searching `path`, the value of
    /// `$PATH`, when it has no slash), for `doctor`; returns where it is.
    pub fn check(&self, path: Option<&str>) -> Result<std::path::PathBuf, NotifyError> {
        use std::os::unix::fs::PermissionsExt;
        let program = self.argv.first().map(String::as_str).unwrap_or_default();
        let runnable = |p: &std::path::Path| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        };
        let found = if program.contains('/') {
            Some(std::path::PathBuf::from(program)).filter(|p| runnable(p))
        } else {
            path.unwrap_or_default()
                .split(':')
                .filter(|d| !d.is_empty())
                .map(|d| std::path::Path::new(d).join(program))
                .find(|p| runnable(p))
        };
        found.ok_or_else(|| {
            NotifyError::Config(format!(
                "[command] {program:?} is not an executable file{}",
                if program.contains('/') {
                    ""
                } else {
                    " in $PATH"
                }
            ))
        })
    }

    fn env(n: &Notification) -> Vec<(&'static str, String)> {
        let kind = match n.kind {
            Kind::NeedsInput => "needs_input",
            other => other.as_str(),
        };
        let mut env = vec![
            ("CC_NOTIFY_KIND", kind.to_owned()),
            ("CC_NOTIFY_TITLE", env_value(&n.title)),
            ("CC_NOTIFY_BODY", env_value(&n.body)),
        ];
        let optional = [
            ("CC_NOTIFY_PRIORITY", n.priority.map(|p| p.to_string())),
            ("CC_NOTIFY_URL", n.url.as_deref().map(env_value)),
            (
                "CC_NOTIFY_SESSION_ID",
                n.session_id.as_deref().map(env_value),
            ),
            ("CC_NOTIFY_PROJECT", n.project.as_deref().map(env_value)),
            ("CC_NOTIFY_TIMESTAMP", n.timestamp.map(|t| t.to_string())),
        ];
        env.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
        env
    }
}

impl Notifier for Command {
    fn send(&self, n: &Notification) -> Result<Receipt, NotifyError> {
        use std::os::unix::process::CommandExt;
        let (program, args) = self
            .argv
            .split_first()
            .ok_or_else(|| NotifyError::Config("[command] argv is not set".into()))?;
        let json = serde_json::to_vec(n).map_err(|e| NotifyError::Config(e.to_string()))?;
        let mut child = std::process::Command::new(program)
            .args(args)
            .envs(Self::env(n))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .map_err(|e| NotifyError::Config(format!("[command] cannot run {program:?}: {e}")))?;
        let pid = child.id();
        let stdin = child.stdin.take();
        let stderr = child.stderr.take();
        // A program that does not read its stdin must not block us: write from a thread that
        // is never waited for (it ends when the pipe closes) and ignore a closed pipe.
        std::thread::spawn(move || {
            if let Some(mut stdin) = stdin {
                let _ = stdin.write_all(&json);
            }
        });
        let (err_tx, err_rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut stderr) = stderr {
                let _ = (&mut stderr).take(MAX_STDERR).read_to_end(&mut text);
                // Keep draining so the program never blocks on a full pipe.
                let _ = std::io::copy(&mut stderr, &mut std::io::sink());
            }
            let _ = err_tx.send(String::from_utf8_lossy(&text).trim().to_owned());
        });
        let (tx, rx) = mpsc::channel::<std::io::Result<ExitStatus>>();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        let started = Instant::now();
        let timed_out = || {
            NotifyError::Timeout(format!(
                "[command] {program:?} ran past {:?} and was killed",
                self.timeout
            ))
        };
        let Ok(status) = rx.recv_timeout(self.timeout) else {
            kill_group(pid);
            // The group is gone; its pipes close, so the helper threads end.
            let _ = rx.recv();
            return Err(timed_out());
        };
        // The program exited; something it started may still hold stderr open. It gets the
        // rest of the time limit, then its process group (still alive, since it holds the
        // pipe) is killed; the program's own exit status decides either way.
        let left = self.timeout.saturating_sub(started.elapsed());
        let stderr = err_rx.recv_timeout(left).unwrap_or_else(|_| {
            kill_group(pid);
            err_rx
                .recv_timeout(Duration::from_secs(1))
                .unwrap_or_default()
        });
        let status = status.map_err(|e| NotifyError::Unavailable(e.to_string()))?;
        if status.success() {
            return Ok(Receipt::default());
        }
        let said = if stderr.is_empty() {
            String::new()
        } else {
            format!(": {stderr}")
        };
        match status.code() {
            Some(EX_TEMPFAIL) => Err(NotifyError::Unavailable(format!(
                "[command] {program:?} exited {EX_TEMPFAIL} (try again later){said}"
            ))),
            Some(code) => Err(NotifyError::Rejected {
                status: None,
                message: format!("[command] {program:?} exited {code}{said}"),
            }),
            None => Err(NotifyError::Rejected {
                status: None,
                message: format!("[command] {program:?} was killed by a signal{said}"),
            }),
        }
    }

    fn name(&self) -> &str {
        "command"
    }
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("program", &self.argv.first())
            .field(
                "arguments",
                &format_args!("<{} hidden>", self.argv.len().saturating_sub(1)),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// `text` fit for one environment variable: NUL bytes dropped, cut to [`MAX_ENV_BYTES`].
fn env_value(text: &str) -> String {
    crate::http::cut_bytes(&text.replace('\0', ""), MAX_ENV_BYTES).into_owned()
}

/// Sends SIGKILL to the process group led by `pid` (the program was started as its leader).
fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn the_toml_table_has_argv_only() {
        let c: CommandConfig = toml::from_str("argv = [\"notify\", \"-x\"]").unwrap();
        assert_eq!(c.argv, ["notify", "-x"]);
        assert!(toml::from_str::<CommandConfig>("cmd = \"x\"").is_err());
        assert_eq!(
            Command::from_config(&CommandConfig::default())
                .unwrap_err()
                .to_string(),
            "[command] argv is not set"
        );
        assert!(
            Command::from_config(&CommandConfig {
                argv: vec![String::new()]
            })
            .is_err()
        );
    }
}
