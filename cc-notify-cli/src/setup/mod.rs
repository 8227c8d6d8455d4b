//! `cc-notify setup`: from nothing to a test push on the phone, every step saying what it did
//! and what to do next. Interactive by default; `--no-input` takes everything from the options
//! and the environment, for scripts and dotfiles. Re-running it is safe: keys already in the
//! config are kept unless new ones are given, the hooks are registered once.
//!
//! The steps: the backends chosen and their keys (options, else the environment, else the
//! config, else asked for); each checked with its service (keys a service refuses are never
//! written); the config written 0600 ([`config_file`]); all three in [`keys`] and [`backends`]; a test push
//! through each (confirmed by the user when interactive); the hooks registered (`install`); the
//! typing check on the user's terminal ([`typing`], interactive only).

pub mod backends;
pub mod config_file;
pub mod keys;
pub mod typing;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use cc_notify_core::tty;
use cc_notify_pushover::Credential;
use cc_notify_pushover::config::check_key;
use clap::Args;

use crate::config;

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
    /// The other backends.
    #[command(flatten)]
    pub backends: keys::BackendArgs,
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

    // 1–3. The backends: chosen, their keys gathered, checked, written ([`backends`]).
    let Some(configured) = backends::configure(&args, &mut steps, &ask, &path) else {
        return finish(&steps);
    };

    // 4. The test push.
    if args.no_test_push {
        steps.note("test push skipped (--no-test-push)");
    } else {
        backends::test_push(&mut steps, &ask, &configured);
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
