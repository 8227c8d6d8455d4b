//! `cc-notify doctor`: one line per check, ✓ or ✗, and what to do about each ✗.

use std::process::ExitCode;

use cc_notify_core::decision_log::{self, LogRecord};
use cc_notify_core::store::{self, StateDir};
use cc_notify_core::{DecisionKind, NotifyError, tty};

use crate::runtime::{self, now_ms};
use crate::{backend_check, config, notifiers, outbox, settings};

/// How far back `doctor` looks for failures.
const RECENT_MS: u64 = 24 * 3600 * 1000;

struct Report {
    broken: bool,
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
pub fn run() -> ExitCode {
    let mut r = Report { broken: false };

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
                        r.warn(&config::readable_warning(&path), "only you should read it");
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
                r.fail(
                    &format!("config error: {e}"),
                    "fix that key; until then the hook uses the defaults",
                );
                config::Config::default()
            }
        },
    };

    // Phone approvals: what they are trusted with.
    for (ok, line) in crate::approve::doctor_lines(&config) {
        if ok {
            r.info(&line)
        } else {
            r.fail(&line, crate::approve::doctor_fix(&config))
        }
    }

    // 2. Backends and their credentials.
    let configured = config.backends();
    if configured.is_empty() {
        r.info(
            "no backend configured: pushes go to the desktop (when there is one) and the log; \
             to get them on your phone, set [pushover] token and user in the config \
             or CC_NOTIFY_PUSHOVER_TOKEN / CC_NOTIFY_PUSHOVER_USER (or [ntfy] topic, \
             [telegram], [webhook], [command]; see the README's Backends)",
        );
    }
    for name in &configured {
        match *name {
            "pushover" => check_pushover(&mut r, &config),
            other => check_backend(&mut r, &config, other),
        }
    }
    for unused in notifiers::routing(&config).unused(&configured) {
        r.warn(
            &format!("{unused} is configured but [routing] sends it no kind of push"),
            &format!("add \"{unused}\" to a kind in [routing], or remove its section"),
        );
    }

    // 3. Hooks registered with Claude Code (in settings files; plugins are checked next).
    let claude_registered = check_hooks(&mut r);
    // 3b. Plugins: the place for the check of cc-notify installed as a Claude Code plugin.

    // 4. State directory.
    let dir = match store::state_dir_from_env() {
        None => {
            r.fail("no state directory", "set HOME or CC_NOTIFY_STATE_DIR");
            None
        }
        Some(path) => match StateDir::open(&path) {
            Ok(dir) => {
                match writable(&dir) {
                    Ok(()) => r.ok(&format!(
                        "state dir {} (private, owned by you, writable)",
                        path.display()
                    )),
                    Err(Unwritable::Full(e)) => r.fail(
                        &format!("state dir {} is on a full disk: {e}", path.display()),
                        "free some space there (or point CC_NOTIFY_STATE_DIR elsewhere); until \
                         then pushes go out without being logged, and a new prompt cannot \
                         cancel one that waits",
                    ),
                    Err(Unwritable::ReadOnly(e)) => r.fail(
                        &format!("state dir {} is not writable: {e}", path.display()),
                        "remount it read-write, fix its permissions, or point \
                         CC_NOTIFY_STATE_DIR at a writable directory; until then pushes go out \
                         without being logged, and a new prompt cannot cancel one that waits",
                    ),
                }
                Some(dir)
            }
            Err(e) => {
                r.fail(&format!("state dir: {e}"), "remove or fix that path; cc-notify keeps state only in a private directory it owns");
                None
            }
        },
    };

    // 4b. Every coding agent: installed, cc-notify registered (Codex: trusted), last event.
    let seen = dir.as_ref().map_or_else(Default::default, |d| {
        crate::agents::report::last_events(d, crate::status::AGENT_LOG_LINES)
    });
    let env = runtime::env_var;
    for f in crate::agents::report::findings(env, claude_registered, &seen, runtime::now_ms()) {
        match f.level {
            crate::agents::report::Level::Ok => r.ok(&f.what),
            crate::agents::report::Level::Info => r.info(&f.what),
            crate::agents::report::Level::Warn => r.warn(&f.what, &f.fix),
        }
    }
    if !crate::agents::report::registered_anywhere(env, claude_registered) {
        r.fail(
            "cc-notify is not registered with any coding agent",
            "run `cc-notify install` (every agent found installed), `cc-notify install --agent \
             NAME`, or install the Claude Code plugin (see the README; a plugin loaded with \
             --plugin-dir is not visible from here)",
        );
    }

    // 5. Terminal detection.
    let claude_pid = std::env::var("CLAUDE_PID")
        .ok()
        .and_then(|p| p.parse().ok());
    let terminal = tty::find_user_terminal(claude_pid);
    match &terminal {
        Some(t) => r.ok(&format!(
            "terminal {} found: typing there holds pushes back (judged at 8 s resolution)",
            t.display()
        )),
        None => r.info("no terminal found from here: pushes of sessions without a terminal are not typing-checked"),
    }
    let env = cc_notify_presence::Env {
        tty: terminal,
        ..cc_notify_presence::Env::from_vars()
    };
    for line in crate::presence_view::view(&env).lines() {
        r.info(line);
    }

    // 6. The notifier's health, pushes whose deliverer is gone, recent failures.
    if let Some(dir) = &dir {
        let rt = runtime::Runtime::from_config(config.clone());
        crate::recover::sweep(dir, &rt, None);
        for slot in notifiers::slots(&config) {
            if let Some(mark) = outbox::active_failure(dir, &slot) {
                r.fail(
                    &format!(
                        "pushes are held {}: {} refused them ({})",
                        mark.until_text(),
                        slot.name,
                        mark.reason
                    ),
                    &format!(
                        "fix the {} settings ({}); the next push tries again",
                        slot.name,
                        config::model::required_keys(&slot.name)
                    ),
                );
            }
            let queued = outbox::queued(dir, &slot);
            if queued > 0 {
                r.warn(
                    &format!(
                        "{queued} push(es) wait in the outbox of {} after temporary failures",
                        slot.name
                    ),
                    "they are retried on their own, and sent before the next push; check the network if this number grows",
                );
            }
        }
        lost_pushes(&mut r, dir);
        recent_failures(&mut r, dir);
        // Mutes and quiet hours: not broken, but the first answer to "no push came".
        for line in crate::mute::status_lines(dir, &config) {
            r.warn(&line, "`cc-notify unmute`, or change [quiet] in the config");
        }
    }

    if r.broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Pushover: the credentials, checked with the service's `users/validate.json`.
fn check_pushover(r: &mut Report, config: &config::Config) {
    let pushover = cc_notify_pushover::Pushover::new(config.pushover.clone());
    match pushover {
        Err(e) => r.fail(
            &format!("Pushover: {e}"),
            "check [pushover] token and user: each is 30 letters and digits",
        ),
        Ok(p) => match p.validate_user() {
            Ok(info) => r.ok(&format!(
                "Pushover credentials valid; active devices: {}",
                info.devices.join(", ")
            )),
            Err(e) if e.is_transient() => r.warn(
                &format!("Pushover not reachable now: {e}"),
                "check the network; pushes are retried",
            ),
            // The endpoint has no users/validate.json (a gateway or proxy at a custom api_url):
            // that says nothing about the keys.
            Err(NotifyError::Rejected {
                status: Some(404), ..
            }) => r.warn(
                &format!(
                    "cannot validate the credentials here: {} has no users/validate.json \
                     (HTTP 404)",
                    config.pushover.api_url
                ),
                "`cc-notify send \"test\"` shows whether pushes get through",
            ),
            Err(e) => r.fail(
                &format!("Pushover refused the credentials: {e}"),
                "copy the user key and application token again from pushover.net",
            ),
        },
    }
}

/// Any other backend: its configuration, then the check its service offers
/// ([`backend_check`]).
fn check_backend(r: &mut Report, config: &config::Config, name: &str) {
    let fix_config = format!("check {} in the config", config::model::required_keys(name));
    let checked = backend_check::check(config, name);
    match checked {
        Err(e) => r.fail(&format!("{name}: {e}"), &fix_config),
        Ok(Ok(what)) => r.ok(&what),
        Ok(Err(e)) if e.is_transient() => r.warn(
            &format!("{name} not reachable now: {e}"),
            "check the network (or the service); pushes are retried",
        ),
        Ok(Err(e)) => r.fail(&format!("{name} refused: {e}"), &fix_config),
    }
}

/// Why the state directory cannot be written.
enum Unwritable {
    /// No space (or no inodes) left.
    Full(String),
    /// Read-only, or no permission.
    ReadOnly(String),
}

/// The least free space the state directory needs: session files and the log are small, and
/// the log rotates at a fixed size.
const LEAST_FREE: u64 = 1 << 20;

/// Writes, syncs and removes a small probe file in the state directory, and checks its free
/// space.
fn writable(dir: &StateDir) -> Result<(), Unwritable> {
    use std::io::Write;
    let probe = dir.path().join(".doctor-probe");
    let classify = |e: std::io::Error| {
        if e.raw_os_error() == Some(libc::ENOSPC) || e.raw_os_error() == Some(libc::EDQUOT) {
            Unwritable::Full(e.to_string())
        } else {
            Unwritable::ReadOnly(e.to_string())
        }
    };
    // A leftover (or planted) probe goes first; O_EXCL never follows a link.
    let _ = std::fs::remove_file(&probe);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .and_then(|mut f| {
            f.write_all(&[b'.'; 4096])?;
            f.sync_all()
        });
    let _ = std::fs::remove_file(&probe);
    written.map_err(classify)?;
    if let Ok(st) = rustix::fs::statvfs(dir.path()) {
        let free = st.f_bavail.saturating_mul(st.f_frsize);
        if free < LEAST_FREE {
            return Err(Unwritable::Full(format!("{free} bytes free")));
        }
    }
    Ok(())
}

/// Pushes lost in the last day (their deliverer died and they were no longer wanted, or could
/// not be handed to a new one).
fn lost_pushes(r: &mut Report, dir: &StateDir) {
    let now = now_ms();
    let lost: Vec<LogRecord> = decision_log::read_last(dir, 500)
        .unwrap_or_default()
        .into_iter()
        .filter(|rec| now.saturating_sub(rec.ts_ms) < RECENT_MS)
        .filter(|rec| rec.reason.starts_with(crate::recover::LOST))
        .collect();
    match lost.last() {
        None => r.ok("no push lost in the last 24 hours"),
        Some(last) => r.fail(
            &format!(
                "{} push(es) lost in the last 24 hours; latest: {}",
                lost.len(),
                last.reason
            ),
            "a delivery process was killed (by hand, out of memory, a reboot) before sending; \
             `cc-notify log` shows which",
        ),
    }
}

/// Hook input that is not an event, as the hook logs it: no event name, and the reason the
/// hook gives when it cannot read or parse its stdin.
fn is_bad_input(rec: &LogRecord) -> bool {
    rec.decision == DecisionKind::Error
        && rec.event.is_none()
        && (rec.reason.starts_with("cannot read hook input")
            || rec.reason.ends_with("; event ignored"))
}

/// The last day's failures. A run of `cc-notify hook` with input that is not an event (by
/// hand, from a script) is a warning when hooks ran fine after it; it is a broken setup only
/// when nothing but bad input has come in since.
fn recent_failures(r: &mut Report, dir: &StateDir) {
    let now = now_ms();
    let recent: Vec<LogRecord> = decision_log::read_last(dir, 500)
        .unwrap_or_default()
        .into_iter()
        .filter(|rec| now.saturating_sub(rec.ts_ms) < RECENT_MS)
        .collect();
    let (bad_input, failures): (Vec<&LogRecord>, Vec<&LogRecord>) = recent
        .iter()
        .filter(|rec| matches!(rec.decision, DecisionKind::Failed | DecisionKind::Error))
        .partition(|rec| is_bad_input(rec));
    match failures.last() {
        None => r.ok("no failures in the last 24 hours"),
        Some(last) => r.fail(
            &format!(
                "{} failure(s) in the last 24 hours; latest: {}",
                failures.len(),
                last.reason
            ),
            "`cc-notify log` shows them in context; `cc-notify log --clear` once fixed",
        ),
    }
    let Some(last_bad) = bad_input.last() else {
        return;
    };
    let worked_since = recent
        .iter()
        .any(|rec| rec.ts_ms >= last_bad.ts_ms && rec.event.is_some());
    let what = format!(
        "{} hook run(s) in the last 24 hours got input that is not a hook event; latest: {}",
        bad_input.len(),
        last_bad.reason
    );
    if worked_since || bad_input.len() < 3 {
        r.warn(
            &what,
            "harmless if it was `cc-notify hook` run by hand; `cc-notify log --clear` forgets it",
        );
    } else {
        r.fail(
            &what,
            "no hook event has been read since: check the hook command in Claude Code's settings \
             (`cc-notify install` rewrites it)",
        );
    }
}

/// Claude Code's settings and plugin; returns whether they register cc-notify. Their absence
/// is not reported here: the agents' check says whether any agent has cc-notify.
fn check_hooks(r: &mut Report) -> bool {
    let found = settings::hook_findings();
    for f in &found {
        if f.what == settings::inspect::NOT_REGISTERED {
            continue;
        }
        match f.level {
            settings::Level::Ok => r.ok(&f.what),
            settings::Level::Warn => r.warn(&f.what, &f.fix),
            settings::Level::Fail => r.fail(&f.what, &f.fix),
        }
    }
    settings::inspect::registered_with_claude(&found)
}
