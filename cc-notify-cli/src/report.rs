//! `cc-notify status` and `cc-notify log`: what is going on, readable.

use std::ffi::OsString;
use std::process::ExitCode;

use cc_notify_core::decision_log::{self, LogRecord};
use cc_notify_core::tty;

use crate::runtime::{self, now_ms};
use crate::session_file::SessionFile;

/// `cc-notify log [-n N]`.
pub fn log(args: Vec<OsString>) -> ExitCode {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut n = 20usize;
    loop {
        match parser.next() {
            Ok(Some(Short('n') | Long("lines"))) => {
                match parser
                    .value()
                    .ok()
                    .and_then(|v| v.into_string().ok())
                    .and_then(|v| v.parse().ok())
                {
                    Some(v) => n = v,
                    None => return crate::usage_error("-n takes a number of lines"),
                }
            }
            Ok(Some(arg)) => return crate::usage_error(arg.unexpected()),
            Ok(None) => break,
            Err(e) => return crate::usage_error(e),
        }
    }
    let Some(dir) = runtime::open_state_dir() else {
        return ExitCode::FAILURE;
    };
    let records = match decision_log::read_last(&dir, n) {
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

fn short_id(s: &str) -> &str {
    let end = s.char_indices().nth(8).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// `cc-notify status`.
pub fn status(args: Vec<OsString>) -> ExitCode {
    if let Some(arg) = args.first() {
        return crate::usage_error(format!(
            "status takes no arguments, got {}",
            arg.to_string_lossy()
        ));
    }
    let Some(dir) = runtime::open_state_dir() else {
        return ExitCode::FAILURE;
    };
    let now = now_ms();
    let sessions = dir.sessions().unwrap_or_default();
    println!("State: {}", dir.path().display());
    if sessions.iter().all(|(id, _)| id.starts_with('_')) {
        println!("No live sessions.");
    }
    for (id, _) in sessions.iter().filter(|(id, _)| !id.starts_with('_')) {
        let Ok(guard) = dir.lock(id) else { continue };
        let file: SessionFile = match guard.load() {
            Ok(f) => f,
            Err(e) => {
                println!("  {}  unreadable: {e}", short_id(id));
                continue;
            }
        };
        drop(guard);
        let mut line = format!("  {}", short_id(id));
        match &file.state.turn {
            Some(turn) if turn.is_open() => match turn.started_ms {
                Some(t) => line.push_str(&format!(
                    "  turn running for {}",
                    duration(now.saturating_sub(t))
                )),
                None => line.push_str("  turn running"),
            },
            _ => line.push_str("  idle"),
        }
        if file.state.ended {
            line.push_str("  (ended)");
        }
        println!("{line}");
        if let Some(pending) = &file.state.pending {
            let fire_at = pending.fire_at_ms;
            let when = if fire_at > now {
                format!("fires in {}", duration(fire_at - now))
            } else {
                "due now (watching the terminal)".to_owned()
            };
            let alive = pending
                .deliverer
                .is_some_and(|d| tty::is_same_process(d.pid, d.start_time));
            println!(
                "      pending {} push #{}: {when}{}  — {}",
                pending.kind().as_str(),
                pending.id,
                if alive {
                    ""
                } else {
                    " (delivery process not running!)"
                },
                pending.notification.title
            );
        }
    }
    let queued = crate::outbox::queued(&dir);
    if queued > 0 {
        println!("{queued} push(es) wait in the outbox for a retry.");
    }
    // A broken config is `doctor`'s to report; no mark is shown without a readable one.
    let config = crate::config::config_path()
        .and_then(|path| crate::config::load(&path, &runtime::env_var).ok());
    if let Some(mark) = config.and_then(|c| crate::outbox::active_failure(&dir, &c.config)) {
        println!(
            "Pushes are held {}: the notifier refused them ({}); see `cc-notify doctor`.",
            mark.until_text(),
            mark.reason
        );
    }
    let recent = decision_log::read_last(&dir, 10).unwrap_or_default();
    if !recent.is_empty() {
        println!("\nRecent decisions:");
        for r in &recent {
            println!("  {}", format_record(r));
        }
    }
    ExitCode::SUCCESS
}

/// `1h 02m`, `3m 05s`, `12s`.
pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// `2026-11-21 07:01:02` (UTC) from Unix milliseconds.
pub fn format_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(0));
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil conversion.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting_matches_known_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(format_utc(1_795_248_062_000), "2026-11-21 08:01:02");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(12_400), "12s");
        assert_eq!(duration(185_000), "3m 05s");
        assert_eq!(duration(3_720_000), "1h 02m");
    }
}
