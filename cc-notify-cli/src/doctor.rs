//! `cc-notify doctor`: one line per check, ✓ or ✗, and what to do about each ✗.

use std::ffi::OsString;
use std::process::ExitCode;

use cc_notify_core::decision_log;
use cc_notify_core::store::{self, StateDir};
use cc_notify_core::{DecisionKind, tty};

use crate::runtime::{self, now_ms};
use crate::{config, delivery_health, notifiers, settings};

/// How far back `doctor` looks for failures.
const RECENT_MS: u64 = 24 * 3600 * 1000;

struct Report {
    broken: bool,
    config_broken: bool,
}

impl Report {
    fn ok(&self, what: &str) {
        println!("✓ {what}");
    }
    fn info(&self, what: &str) {
        println!("• {what}");
    }
    fn warn(&self, what: &str, fix: &str) {
        println!("! {what}\n    → {fix}");
    }
    fn fail(&mut self, what: &str, fix: &str) {
        self.broken = true;
        println!("✗ {what}\n    → {fix}");
    }
}

/// Runs every check; exit 1 when something is broken.
pub fn run(args: Vec<OsString>) -> ExitCode {
    if let Some(arg) = args.first() {
        return crate::usage_error(format!(
            "doctor takes no arguments, got {}",
            arg.to_string_lossy()
        ));
    }
    let mut r = Report {
        broken: false,
        config_broken: false,
    };

    // 1. Configuration.
    let config = match config::config_path() {
        None => {
            r.fail(
                "cannot locate the config file",
                "set HOME or CC_NOTIFY_CONFIG",
            );
            config::Config::default()
        }
        Some(path) => match config::load(&path, &runtime::env_var) {
            Ok(loaded) => {
                if loaded.existed {
                    r.ok(&format!("config {} is valid", path.display()));
                    if let Ok(false) = config::is_private(&path) {
                        r.warn(
                            &format!("config {} is readable by other users and may hold your Pushover token", path.display()),
                            &format!("chmod 600 {}", path.display()),
                        );
                    }
                } else {
                    r.info(&format!(
                        "no config file at {}: using defaults",
                        path.display()
                    ));
                }
                for w in &loaded.warnings {
                    r.warn(w, "see the configuration reference in the README");
                }
                loaded.config
            }
            Err(e) => {
                r.config_broken = true;
                r.fail(
                    &format!("config error: {e}"),
                    "fix that key; until then the hook uses the defaults",
                );
                config::Config::default()
            }
        },
    };

    // 2. Notifier and credentials.
    match notifiers::pushover(&config) {
        None => r.info(
            "no Pushover credentials: pushes go to the desktop (when there is one) and the log; \
             to get them on your phone, set [pushover] token and user in the config \
             or CC_NOTIFY_PUSHOVER_TOKEN / CC_NOTIFY_PUSHOVER_USER",
        ),
        Some(Err(e)) => r.fail(
            &format!("Pushover: {e}"),
            "check [pushover] token and user: each is 30 letters and digits",
        ),
        Some(Ok(p)) => match p.validate_user() {
            Ok(info) => r.ok(&format!(
                "Pushover credentials valid; active devices: {}",
                info.devices.join(", ")
            )),
            Err(e) if e.is_transient() => r.warn(
                &format!("Pushover not reachable now: {e}"),
                "check the network; pushes are retried",
            ),
            Err(e) => r.fail(
                &format!("Pushover refused the credentials: {e}"),
                "copy the user key and application token again from pushover.net",
            ),
        },
    }

    // 3. Hooks registered with Claude Code.
    check_hooks(&mut r);

    // 4. State directory.
    let dir = match store::state_dir_from_env() {
        None => {
            r.fail("no state directory", "set HOME or CC_NOTIFY_STATE_DIR");
            None
        }
        Some(path) => match StateDir::open(&path) {
            Ok(dir) => {
                r.ok(&format!(
                    "state dir {} (private, owned by you)",
                    path.display()
                ));
                Some(dir)
            }
            Err(e) => {
                r.fail(&format!("state dir: {e}"), "remove or fix that path; cc-notify keeps state only in a private directory it owns");
                None
            }
        },
    };

    // 5. Terminal detection.
    let claude_pid = std::env::var("CLAUDE_PID")
        .ok()
        .and_then(|p| p.parse().ok());
    match tty::find_user_terminal(claude_pid) {
        Some(t) => r.ok(&format!(
            "terminal {} found: typing there holds pushes back (judged at 8 s resolution)",
            t.display()
        )),
        None => r.info("no terminal found from here: pushes of sessions without a terminal are not typing-checked"),
    }

    // 6. The notifier's health and recent failures.
    if let Some(dir) = &dir {
        if let Some(mark) = delivery_health::active_failure(dir, &config) {
            r.fail(
                &format!(
                    "pushes are held {}: the notifier refused them ({})",
                    mark.until_text(),
                    mark.reason
                ),
                "fix the Pushover settings (token, user key, device); the next push tries again",
            );
        }
        let queued = delivery_health::queued(dir);
        if queued > 0 {
            r.warn(
                &format!("{queued} push(es) wait in the outbox after temporary failures"),
                "they are sent with the next push; check the network if this number grows",
            );
        }
        let now = now_ms();
        let recent: Vec<_> = decision_log::read_last(dir, 500)
            .unwrap_or_default()
            .into_iter()
            .filter(|rec| now.saturating_sub(rec.ts_ms) < RECENT_MS)
            .filter(|rec| matches!(rec.decision, DecisionKind::Failed | DecisionKind::Error))
            .collect();
        match recent.last() {
            None => r.ok("no failures in the last 24 hours"),
            Some(last) => r.fail(
                &format!(
                    "{} failure(s) in the last 24 hours; latest: {}",
                    recent.len(),
                    last.reason
                ),
                "`cc-notify log` shows them in context",
            ),
        }
    }

    if r.config_broken {
        ExitCode::from(2)
    } else if r.broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn check_hooks(r: &mut Report) {
    for f in settings::hook_findings() {
        match f.level {
            settings::Level::Ok => r.ok(&f.what),
            settings::Level::Warn => r.warn(&f.what, &f.fix),
            settings::Level::Fail => r.fail(&f.what, &f.fix),
        }
    }
}
