//! `cc-notify presence`: what each presence probe sees now, read from this process's
//! environment and the user's terminal — to check that typing detection works where you run it.

use std::process::ExitCode;

use cc_notify_presence::{Env, discover, live_view};

/// Prints one line per probe (what it sees, or why it is not available), then what they say
/// together. Always exit 0: a probe that cannot read is part of the answer, not an error.
pub fn run() -> ExitCode {
    print!("{}", view(&Env::from_process()));
    ExitCode::SUCCESS
}

/// The live view of every probe `env` offers, one line each, then the combined verdict.
pub fn view(env: &Env) -> String {
    live_view(&discover(env))
}
