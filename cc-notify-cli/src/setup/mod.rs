//! `cc-notify setup`: from nothing to a test push on the phone, every step saying what it did
//! and what to do next. Interactive by default; `--no-input` takes everything from the options
//! and the environment, for scripts and dotfiles. Re-running it is safe: keys already in the
//! config are kept unless new ones are given, the hooks are registered once.
//!
//! The steps: the Pushover keys (options, else `CC_NOTIFY_PUSHOVER_TOKEN`/`_USER`, else the
//! config, else asked for); the keys validated (keys Pushover refuses are never written); the
//! config written 0600 ([`config_file`]); a test push (confirmed by the user when interactive); the hooks registered (`install`); the
//! typing check on the user's terminal ([`typing`], interactive only).

pub mod config_file;
pub mod typing;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use cc_notify_core::{Kind, Notification, Notifier, NotifyError, tty};
use cc_notify_pushover::Credential;
use cc_notify_pushover::config::check_key;
use clap::Args;

use crate::config::{self, TOKEN_VARS, USER_VARS};
use crate::{notifiers, runtime};

use config_file::Written;
use typing::Seen;

/// `setup`'s options.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// Never prompt: take the keys from the options, the environment or the config; exit 1
    /// naming what is missing.
    #[arg(long)]
    pub no_input: bool,
    /// The Pushover application token (create an application at pushover.net/apps/build).
    /// Also read from CC_NOTIFY_PUSHOVER_TOKEN, which keeps it out of the process list.
    #[arg(long, value_name = "TOKEN")]
    pub pushover_token: Option<String>,
    /// The Pushover user key (shown on pushover.net once logged in).
    /// Also read from CC_NOTIFY_PUSHOVER_USER.
    #[arg(long, value_name = "KEY")]
    pub pushover_user: Option<String>,
    /// Do not send the test push.
    #[arg(long)]
    pub no_test_push: bool,
}

/// The checklist `setup` prints as it goes; any ✗ makes the exit code 1.
struct Steps {
    failed: Vec<String>,
}

impl Steps {
    fn ok(&self, what: &str) {
        println!("✓ {what}");
    }
    fn note(&self, what: &str) {
        println!("• {what}");
    }
    fn fail(&mut self, what: &str, fix: &str) {
        println!("✗ {what}\n    → {fix}");
        self.failed.push(what.to_owned());
    }
}

/// Where answers come from: the user's terminal, or nowhere (`--no-input`).
struct Ask {
    interactive: bool,
}

impl Ask {
    /// Prints `prompt` and reads one line; `None` without input or at end of input.
    fn line(&self, prompt: &str) -> Option<String> {
        if !self.interactive {
            return None;
        }
        print!("{prompt}");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        match std::io::stdin().lock().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim().to_owned()),
        }
    }

    /// A yes/no question, yes by default; `None` without input.
    fn yes(&self, prompt: &str) -> Option<bool> {
        let answer = self.line(&format!("{prompt} [Y/n] "))?;
        Some(!matches!(answer.to_ascii_lowercase().as_str(), "n" | "no"))
    }

    /// Asks for a Pushover key until it is well-formed or the user gives up (empty line).
    fn key(&self, which: Credential, prompt: &str) -> Option<String> {
        loop {
            let key = self.line(prompt).filter(|k| !k.is_empty())?;
            match check_key(which, &key) {
                Ok(()) => return Some(key),
                Err(e) => println!("  {e}; try again (empty to skip)"),
            }
        }
    }
}

/// Runs `cc-notify setup`.
pub fn run(args: SetupArgs) -> ExitCode {
    let mut steps = Steps { failed: Vec::new() };
    let ask = Ask {
        interactive: !args.no_input,
    };
    let Some(path) = config::config_path() else {
        eprintln!("cc-notify: cannot locate the config file: set HOME or CC_NOTIFY_CONFIG");
        return ExitCode::FAILURE;
    };

    // 1. The keys: options, else the environment, else the file, else asked for.
    let env_key = |vars: [&str; 2]| {
        vars.iter()
            .find_map(|v| runtime::env_var(v).filter(|s| !s.is_empty()))
    };
    let (file_token, file_user) = std::fs::read_to_string(&path)
        .map(|text| config_file::pushover_keys(&text))
        .unwrap_or_default();
    let mut to_write: [Option<String>; 2] = [None, None];
    let mut missing = Vec::new();
    for (i, (which, given, env, in_file, option, var, prompt)) in [
        (
            Credential::Token,
            args.pushover_token.clone(),
            env_key(TOKEN_VARS),
            file_token,
            "--pushover-token",
            TOKEN_VARS[0],
            "Pushover application token (pushover.net/apps/build): ",
        ),
        (
            Credential::User,
            args.pushover_user.clone(),
            env_key(USER_VARS),
            file_user,
            "--pushover-user",
            USER_VARS[0],
            "Pushover user key (top of pushover.net once logged in): ",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(key) = given {
            if let Err(e) = check_key(which, &key) {
                steps.fail(&format!("{option}: {e}"), "copy it again from pushover.net");
                continue;
            }
            to_write[i] = Some(key);
        } else if env.is_some() {
            // The environment's key stays out of the file.
            steps.note(&format!(
                "{option}: taken from the environment ({var} or the like), not written to the file"
            ));
        } else if in_file.is_some() {
            // Kept as it is.
        } else if let Some(key) = ask.key(which, prompt) {
            to_write[i] = Some(key);
        } else {
            missing.push(format!("{option} (or {var})"));
        }
    }
    if !missing.is_empty() {
        steps.fail(
            &format!("missing: {}", missing.join(", ")),
            "get them from pushover.net, then run `cc-notify setup` again",
        );
    }
    if !steps.failed.is_empty() {
        return finish(&steps);
    }

    // 2. The config as it will be: the file's, with the new keys. A broken file is fixed first.
    let mut config = match config::load(&path, &runtime::env_var) {
        Ok(loaded) => loaded.config,
        Err(e) => {
            steps.fail(
                &format!("config error: {e}"),
                "fix that key, then run setup again",
            );
            return finish(&steps);
        }
    };
    if let Some(token) = &to_write[0] {
        config.pushover.token.clone_from(token);
    }
    if let Some(user) = &to_write[1] {
        config.pushover.user.clone_from(user);
    }

    // 3. The keys, checked with Pushover before they are written: refused ones never are.
    let pushover = match notifiers::pushover(&config) {
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            steps.fail(&format!("Pushover: {e}"), "check the token and user key");
            return finish(&steps);
        }
        None => {
            steps.fail("no Pushover keys", "run setup with the keys");
            return finish(&steps);
        }
    };
    match pushover.validate_user() {
        Ok(info) => steps.ok(&format!(
            "Pushover accepted the keys; active devices: {}",
            info.devices.join(", ")
        )),
        Err(NotifyError::Rejected {
            status: Some(404), ..
        }) => steps.note(&format!(
            "cannot validate the keys here: {} has no users/validate.json (HTTP 404); \
             the test push shows whether they work",
            config.pushover.api_url
        )),
        Err(e) if e.is_transient() => steps.fail(
            &format!("cannot reach Pushover to check the keys: {e}"),
            "check the network, then run setup again",
        ),
        Err(e) => {
            steps.fail(
                &format!("Pushover refused the keys: {e}"),
                "copy the user key and application token again from pushover.net; \
                 the config was not changed",
            );
            return finish(&steps);
        }
    }

    // The config file, 0600, every other key kept.
    match config_file::set_pushover_keys(&path, to_write[0].as_deref(), to_write[1].as_deref()) {
        Ok(Written::Changed) => {
            steps.ok(&format!("config written: {} (mode 0600)", path.display()))
        }
        Ok(Written::Unchanged) => steps.ok(&format!(
            "config {} already has these keys (mode 0600)",
            path.display()
        )),
        Err(e) => {
            steps.fail(
                &e.to_string(),
                "fix the file or its directory, then run setup again",
            );
            return finish(&steps);
        }
    }

    // 4. The test push.
    if args.no_test_push {
        steps.note("test push skipped (--no-test-push)");
    } else {
        test_push(&mut steps, &ask, &pushover);
    }

    // 5. The hooks of every agent found installed, through `install`.
    let all = crate::agents::each::run_command(crate::agents::each::Targets::Found, true, false);
    if all == ExitCode::SUCCESS {
        steps.ok("hooks registered with every coding agent found installed");
    } else {
        steps.fail(
            "cc-notify could not be registered with every agent (see above)",
            "fix that, then run `cc-notify install`",
        );
    }

    // 6. Typing detection on this terminal.
    typing_check(&mut steps, &ask);
    finish(&steps)
}

/// Sends the test push and, when interactive, asks whether it arrived.
fn test_push(steps: &mut Steps, ask: &Ask, pushover: &dyn Notifier) {
    let mut n = Notification::new(
        Kind::Done,
        "cc-notify setup",
        "Test push: cc-notify can reach this device.",
    );
    n.timestamp = Some(runtime::now_ms() / 1000);
    if let Err(e) = pushover.send(&n) {
        steps.fail(
            &format!("the test push failed: {e}"),
            "`cc-notify doctor` checks the keys and the network",
        );
        return;
    }
    steps.ok("test push sent");
    match ask.yes("Did the test push arrive on your phone?") {
        None => {}
        Some(true) => steps.ok("the test push arrived"),
        Some(false) => steps.fail(
            "the test push did not arrive",
            "check that the Pushover app is logged in with this user key and that the \
             device is active (pushover.net); its own quiet hours may hold pushes back",
        ),
    }
}

/// Asks the user to type on this terminal and shows which presence probes saw it.
fn typing_check(steps: &mut Steps, ask: &Ask) {
    if !ask.interactive {
        steps.note(
            "typing check skipped (--no-input); run `cc-notify setup` on a terminal to make it",
        );
        return;
    }
    let Some(tty) = std::io::stdin()
        .is_terminal()
        .then(|| tty::stdin_terminal(std::process::id(), true))
        .flatten()
    else {
        steps.note("typing check skipped: standard input is not a terminal");
        return;
    };
    let mut env = cc_notify_presence::Env::from_process();
    env.tty = Some(tty.clone());
    let probes = cc_notify_presence::discover(&env);
    println!(
        "Typing check: type anything for about 10 seconds, then press Enter \
         (cc-notify holds a push back while you type like this)."
    );
    let seen = typing::check(&probes.present, || {
        let _ = ask.line("> ");
    });
    match seen {
        Seen::Moved(by) => steps.ok(&format!("typing seen by {}", by.join(", "))),
        Seen::TooShort { typed, finest } => steps.note(&format!(
            "typed for {} s only; the finest presence signal here shows input at {} s \
             resolution, so it may not show: run setup again and type a little longer",
            typed.as_secs(),
            finest.as_secs()
        )),
        Seen::Still => steps.fail(
            &format!("typing on {} did not show", tty.display()),
            "pushes will not wait while you type here; `cc-notify doctor` shows what it finds",
        ),
        Seen::Unreadable(why) => steps.fail(
            &format!("no presence signal readable from {}: {why}", tty.display()),
            "pushes will not wait while you type here",
        ),
    }
    println!("What each presence signal sees from here now:");
    for line in cc_notify_presence::live_view(&probes).lines() {
        println!("    {line}");
    }
}

/// Prints the summary; exit 0 when nothing failed.
fn finish(steps: &Steps) -> ExitCode {
    if steps.failed.is_empty() {
        println!("\ncc-notify is set up. Walk away from a Claude Code turn and the push follows.");
        ExitCode::SUCCESS
    } else {
        println!("\nNot set up yet: {}.", steps.failed.join("; "));
        ExitCode::FAILURE
    }
}
