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
    if notifier.name() == "log" {
        // The local fallback without a desktop shows nothing anywhere: nothing to claim.
        eprintln!(
            "✗ nothing was delivered: no Pushover credentials are configured and this machine \
             has no desktop notifications (notify-send with a session bus).\n    → set \
             [pushover] token and user in {}, or CC_NOTIFY_PUSHOVER_TOKEN and \
             CC_NOTIFY_PUSHOVER_USER; then `cc-notify doctor` checks them",
            config::config_path()
                .map_or_else(|| "the config file".to_owned(), |p| p.display().to_string())
        );
        return ExitCode::FAILURE;
    }
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
