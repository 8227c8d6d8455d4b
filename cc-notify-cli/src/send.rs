//! `cc-notify send MESSAGE [--title T] [--kind K]`: a synchronous smoke test of the notifier.

use std::ffi::OsString;
use std::process::ExitCode;

use cc_notify_core::{Kind, Notification};

use crate::{config, notifiers, runtime};

/// Runs the `send` command.
pub fn run(args: Vec<OsString>) -> ExitCode {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let (mut message, mut title, mut kind) = (None, None, Kind::Done);
    loop {
        match parser.next() {
            Ok(Some(Long("title") | Short('t'))) => match parser.value().map(|v| v.into_string()) {
                Ok(Ok(v)) => title = Some(v),
                _ => return crate::usage_error("--title needs a UTF-8 value"),
            },
            Ok(Some(Long("kind") | Short('k'))) => {
                let v = parser
                    .value()
                    .ok()
                    .and_then(|v| v.into_string().ok())
                    .unwrap_or_default();
                match Kind::from_name(&v) {
                    Some(k) => kind = k,
                    None => {
                        return crate::usage_error(format!(
                            "--kind must be done, error, input or progress, not `{v}`"
                        ));
                    }
                }
            }
            Ok(Some(Value(v))) if message.is_none() => match v.into_string() {
                Ok(v) => message = Some(v),
                Err(_) => return crate::usage_error("MESSAGE must be UTF-8"),
            },
            Ok(Some(arg)) => return crate::usage_error(arg.unexpected()),
            Ok(None) => break,
            Err(e) => return crate::usage_error(e),
        }
    }
    let Some(message) = message else {
        return crate::usage_error(
            "usage: cc-notify send MESSAGE [--title T] [--kind done|error|input|progress]",
        );
    };
    let config = match config::load_interactive() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let notifier = notifiers::build(&config);
    let mut n = Notification::new(
        kind,
        title.unwrap_or_else(|| "cc-notify test".into()),
        message,
    );
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
