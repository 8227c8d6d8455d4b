//! `cc-notify`: pushes a notification to your phone when Claude Code finishes a turn, fails,
//! or needs input — only when you have walked away.
//!
//! Run `cc-notify help` for the commands.

// The process starts at `main` below, not through std's runtime start-up: see `main`.
#![cfg_attr(not(test), no_main)]

mod agents;
mod config;
mod deliver;
mod delivery_health;
mod demo;
mod doctor;
mod hook;
mod local;
mod notifiers;
mod process;
mod report;
mod runtime;
mod send;
mod session_file;
mod settings;
mod stop_signals;

use std::ffi::OsString;
use std::process::ExitCode;

const HELP: &str = "\
cc-notify — a push to your phone when Claude Code finishes, fails or needs input,
only when you have walked away.

Usage: cc-notify <command> [options]

Commands:
  install [--project] [--settings FILE] [--dry-run] [--force]
                 Register cc-notify's hooks in Claude Code's settings.json
  uninstall [--project] [--settings FILE] [--dry-run] [--force]
                 Remove cc-notify's hooks (and nothing else)
  send MESSAGE [--title T] [--kind done|error|input|progress]
                 Send one notification now through the configured notifier
  doctor         Check config, credentials, hooks, state dir and terminal detection
  status         Live sessions, pending pushes and recent decisions
  log [-n N]     The decision log, newest last (default 20 lines)
  demo           Replay a recorded Claude Code session through the real pipeline
  hook           What Claude Code runs for each hook event (reads JSON on stdin)
  help           This text
  version        Print the version

Files:
  config  $CC_NOTIFY_CONFIG, else $XDG_CONFIG_HOME/cc-notify/config.toml,
          else ~/.config/cc-notify/config.toml
  state   $CC_NOTIFY_STATE_DIR, else $XDG_STATE_HOME/cc-notify, else ~/.local/state/cc-notify
";

/// The process entry point, called by the C runtime. std's own start-up is skipped: it reads
/// `/proc/self/maps` to place a stack guard and installs stack-overflow handlers, which is a
/// sixth of a hook run's instructions and a third of a sleeping deliverer's memory. What of it
/// matters is done here instead: standard descriptors 0–2 are made valid (so no file the
/// process opens can land on them and receive output meant for the terminal), and SIGPIPE is
/// ignored (so a peer that goes away fails a write instead of killing the process). Exiting
/// through [`std::process::exit`] flushes stdout, as returning from a std `main` does.
#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    // SAFETY: plain libc calls on integer descriptors and a static path, made before any other
    // code runs; `signal` with SIG_IGN installs no handler.
    unsafe {
        for fd in 0..=2 {
            if libc::fcntl(fd, libc::F_GETFD) == -1 {
                libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            }
        }
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let code = run();
    // `ExitCode` has no stable way to read its value back; every code used is a `u8`.
    let status = (0..=u8::MAX)
        .find(|&c| ExitCode::from(c) == code)
        .unwrap_or(1);
    std::process::exit(i32::from(status))
}

/// Under `cargo test` the harness owns the process and this is never called; it keeps `run`
/// the entry point there too.
#[cfg(test)]
fn main() -> ExitCode {
    run()
}

/// Dispatches the command line.
fn run() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(command) = args.next() else {
        eprint!("{HELP}");
        return ExitCode::from(2);
    };
    let rest: Vec<OsString> = args.collect();
    // Matched as bytes: no UTF-8 check on the way to `deliver`, whose memory while it waits is
    // what it ran before.
    match command.as_encoded_bytes() {
        // The hook must never fail Claude Code: whatever happens, exit 0 and print nothing.
        b"hook" => {
            hook::run(&rest);
            ExitCode::SUCCESS
        }
        b"deliver" => deliver::run(rest),
        b"install" => settings_command(rest, true),
        b"uninstall" => settings_command(rest, false),
        b"send" => send::run(rest),
        b"doctor" => doctor::run(rest),
        b"status" => report::status(rest),
        b"log" => report::log(rest),
        b"demo" => demo::run(rest),
        b"help" | b"-h" | b"--help" => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        b"version" | b"-V" | b"--version" => {
            println!("cc-notify {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => {
            let other = command.to_string_lossy();
            eprintln!("cc-notify: unknown command `{other}`\n\n{HELP}");
            ExitCode::from(2)
        }
    }
}

/// Prints a usage error and gives exit code 2.
fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("cc-notify: {msg}");
    ExitCode::from(2)
}

fn settings_command(args: Vec<OsString>, install: bool) -> ExitCode {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut opts = settings::Options::default();
    let mut agent = None;
    loop {
        match parser.next() {
            Ok(Some(Long("agent"))) => {
                match parser.value().map(|v| v.to_string_lossy().into_owned()) {
                    Ok(name) => match cc_notify_core::event::Agent::from_id(&name) {
                        Some(a) => agent = Some(a),
                        None => return usage_error(format!("unknown agent `{name}`")),
                    },
                    Err(e) => return usage_error(e),
                }
            }
            Ok(Some(Long("project"))) => opts.project = true,
            Ok(Some(Long("dry-run"))) => opts.dry_run = true,
            Ok(Some(Long("force"))) => opts.force = true,
            Ok(Some(Long("settings"))) => match parser.value() {
                Ok(v) => opts.file = Some(std::path::PathBuf::from(v)),
                Err(e) => return usage_error(e),
            },
            Ok(Some(arg)) => return usage_error(arg.unexpected()),
            Ok(None) => break,
            Err(e) => return usage_error(e),
        }
    }
    match agent {
        Some(a) if a != cc_notify_core::event::Agent::Claude => {
            agents::run_command(a, install, opts.dry_run)
        }
        _ => settings::run_command(install, opts),
    }
}
