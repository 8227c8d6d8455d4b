//! `cc-notify status`: live sessions, pending pushes, each agent (installed, registered, last
//! event) and recent decisions, readable.

use std::process::ExitCode;

use cc_notify_core::decision_log;

use crate::agents::report;
use crate::log_view::{format_record, short_id};
use crate::runtime::{self, Runtime, now_ms};
use crate::session_file::SessionFile;
use crate::time_text::duration;

/// How many of the newest decision-log lines are searched for each agent's last event.
pub const AGENT_LOG_LINES: usize = 2000;

/// `cc-notify status`.
pub fn run() -> ExitCode {
    let Some(dir) = runtime::open_state_dir() else {
        return ExitCode::FAILURE;
    };
    let now = now_ms();
    // A broken config is `doctor`'s to report (and the hooks log it): here it is the defaults.
    let config = crate::config::config_path()
        .and_then(|path| crate::config::load(&path, &runtime::env_var).ok())
        .map(|loaded| loaded.config);
    // A pending push whose deliverer is gone is sent by a new one, or logged as lost.
    let rt = Runtime::from_config(config.clone().unwrap_or_default());
    crate::recover::sweep(&dir, &rt, None);
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
                .is_some_and(|d| crate::process::is_same_process(d.pid, d.start_time));
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
    let known = config.clone().unwrap_or_default();
    for line in crate::mute::status_lines(&dir, &known) {
        println!("{line}");
    }
    for slot in &crate::notifiers::slots(&known) {
        let queued = crate::outbox::queued(&dir, slot);
        if queued > 0 {
            println!(
                "{queued} push(es) wait in the outbox for a retry via {}.",
                slot.name
            );
        }
        // No mark is shown without a readable config.
        if config.is_none() {
            continue;
        }
        if let Some(mark) = crate::outbox::active_failure(&dir, slot) {
            println!(
                "Pushes are held {}: {} refused them ({}); see `cc-notify doctor`.",
                mark.until_text(),
                slot.name,
                mark.reason
            );
        }
    }
    println!("\nAgents:");
    let seen = report::last_events(&dir, AGENT_LOG_LINES);
    let claude =
        crate::settings::inspect::registered_with_claude(&crate::settings::hook_findings());
    for f in report::findings(runtime::env_var, claude, &seen, now) {
        let mark = match f.level {
            report::Level::Ok => "✓",
            report::Level::Info => "•",
            report::Level::Warn => "!",
        };
        println!("  {mark} {}", f.what);
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
