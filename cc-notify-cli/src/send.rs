//! `cc-notify send MESSAGE [--title T] [--kind K] [--to NAME]`: a synchronous smoke test of
//! the backends — one, or every backend routing gives the kind — saying per backend what
//! happened.

use std::process::ExitCode;

use cc_notify_core::{Notification, NotifyError, Receipt};

use crate::cli::SendArgs;
use crate::config::{self, BACKENDS, Config};
use crate::notifiers::{self, Backend};
use crate::runtime;

/// Runs the `send` command: exit 0 when at least one backend delivered.
pub fn run(args: SendArgs) -> ExitCode {
    let SendArgs {
        message,
        title,
        kind,
        to,
    } = args;
    let config = match config::load_interactive() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut n = Notification::new(kind.into(), title, message);
    n.timestamp = Some(runtime::now_ms() / 1000);
    let backends = match &to {
        Some(name) => match one(&config, name) {
            Ok(b) => vec![b],
            Err(why) => {
                eprintln!("✗ {why}");
                return ExitCode::FAILURE;
            }
        },
        None => notifiers::routed(&config, n.kind, None),
    };
    if backends.is_empty() {
        eprintln!(
            "✗ nothing was delivered: [routing] {} names no backend",
            cc_notify_core::routing::key(n.kind)
        );
        return ExitCode::FAILURE;
    }
    if backends.len() == 1 && backends[0].name == "log" {
        // The local fallback without a desktop shows nothing anywhere: nothing to claim.
        eprintln!(
            "✗ nothing was delivered: no backend is configured and this machine has no desktop \
             notifications (notify-send with a session bus).\n    → set [pushover] token and \
             user (or [ntfy] topic, [telegram], [webhook], [command]) in {}, or \
             CC_NOTIFY_PUSHOVER_TOKEN and CC_NOTIFY_PUSHOVER_USER; then `cc-notify doctor` \
             checks them",
            config::config_path()
                .map_or_else(|| "the config file".to_owned(), |p| p.display().to_string())
        );
        return ExitCode::FAILURE;
    }
    // All at once, so a slow backend does not hold the others' answer back.
    let results: Vec<Result<Receipt, NotifyError>> = std::thread::scope(|scope| {
        let sends: Vec<_> = backends
            .iter()
            .map(|b| scope.spawn(|| b.notifier.send(&n)))
            .collect();
        sends
            .into_iter()
            .map(|s| {
                s.join()
                    .unwrap_or_else(|_| Err(NotifyError::Unavailable("the sender panicked".into())))
            })
            .collect()
    });
    let mut delivered = false;
    for (b, result) in backends.iter().zip(results) {
        match result {
            Ok(receipt) => {
                delivered = true;
                println!("{}", sent_line(b, &receipt));
            }
            Err(e) => {
                let class = if e.is_transient() {
                    "temporary"
                } else {
                    "permanent"
                };
                eprintln!("✗ {} failed ({class}): {e}", b.name);
            }
        }
    }
    if delivered {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Backend `name`, when it is known and configured; else why not.
fn one(config: &Config, name: &str) -> Result<Backend, String> {
    let Some(known) = BACKENDS.iter().copied().find(|b| *b == name) else {
        return Err(format!(
            "--to {name:?}: no such backend (known: {})",
            BACKENDS.join(", ")
        ));
    };
    if !config.backends().contains(&known) {
        return Err(format!(
            "--to {known}: not configured; set {}",
            config::model::required_keys(known)
        ));
    }
    Ok(notifiers::build(config, known, None))
}

fn sent_line(b: &Backend, receipt: &Receipt) -> String {
    let mut line = format!("✓ sent via {}", b.name);
    if let Some(id) = &receipt.request_id {
        line.push_str(&format!(" (request {id})"));
    }
    if let Some(left) = receipt.quota_remaining {
        line.push_str(&format!("; {left} messages left this month"));
    }
    line
}
