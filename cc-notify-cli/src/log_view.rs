//! `cc-notify log`: the decision log, one readable line per record.

use std::path::Path;
use std::process::ExitCode;

use cc_notify_core::decision_log::{self, LogRecord};

use crate::cli::LogArgs;
use crate::runtime;
use crate::time_text::format_utc;

/// `cc-notify log [-n N] [--clear]`.
pub fn run(args: LogArgs) -> ExitCode {
    let Some(dir) = runtime::open_state_dir() else {
        return ExitCode::FAILURE;
    };
    if args.clear {
        return clear(dir.path());
    }
    let records = match decision_log::read_last(&dir, args.lines) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cc-notify: cannot read the decision log: {e}");
            return ExitCode::FAILURE;
        }
    };
    if records.is_empty() {
        println!("The decision log is empty: no hook has run yet (is `cc-notify install` done?).");
    }
    for r in &records {
        println!("{}", format_record(r));
    }
    ExitCode::SUCCESS
}

/// One log record as one readable line.
pub fn format_record(r: &LogRecord) -> String {
    let mut line = format!("{}  {:<14}", format_utc(r.ts_ms), r.decision.as_str());
    if let Some(kind) = r.kind {
        line.push_str(&format!(" {:<8}", kind.as_str()));
    } else {
        line.push_str(&format!(" {:<8}", ""));
    }
    if let Some(s) = &r.session {
        line.push_str(&format!(" {}", short_id(s)));
    }
    if let Some(ev) = &r.event {
        line.push_str(&format!(" {ev}"));
    }
    if let Some(p) = r.push_id {
        line.push_str(&format!(" #{p}"));
    }
    line.push_str(&format!(": {}", r.reason));
    line
}

/// The first 8 characters of a session id.
pub fn short_id(s: &str) -> &str {
    let end = s.char_indices().nth(8).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// `cc-notify log --clear`: deletes the decision log and its rotated half. Sessions, pending
/// pushes and the outbox are left alone.
fn clear(dir: &Path) -> ExitCode {
    for name in [decision_log::LOG_FILE, decision_log::OLD_LOG_FILE] {
        match std::fs::remove_file(dir.join(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                eprintln!("cc-notify: cannot delete {}: {e}", dir.join(name).display());
                return ExitCode::FAILURE;
            }
        }
    }
    println!("The decision log is cleared.");
    ExitCode::SUCCESS
}
