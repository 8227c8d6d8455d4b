//! `cc-notify send MESSAGE [--title T] [--kind K]`: a synchronous smoke test of the notifier.

use std::process::ExitCode;

use cc_notify_core::Notification;

use crate::cli::SendArgs;
use crate::{config, notifiers, runtime};

/// Runs the `send` command.
pub fn run(args: SendArgs) -> ExitCode {
    let SendArgs {
        message,
        title,
        kind,
    } = args;
    let config = match config::load_interactive() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let notifier = notifiers::build(&config);
    let mut n = Notification::new(kind.into(), title, message);
    n.timestamp = Some(runtime::now_ms() / 1000);
    match notifier.send(&n) {
        Ok(receipt) => {
            let mut line = format!("✓ sent via {}", notifier.name());
            if let Some(id) = receipt.request_id {
                line.push_str(&format!(" (request {id})"));
            }
            if let Some(left) = receipt.quota_remaining {
                line.push_str(&format!("; {left} messages left this month"));
            }
            if notifier.name() == "log" {
                line.push_str("; no Pushover credentials and no desktop: see `cc-notify doctor`");
            }
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let class = if e.is_transient() {
                "temporary"
            } else {
                "permanent"
            };
            eprintln!("✗ {} failed ({class}): {e}", notifier.name());
            ExitCode::FAILURE
        }
    }
}
