//! `cc-notify demo`: replays a recorded Claude Code session through the real pipeline — the
//! hook binary, the turn engine, detached delivery processes — with delays scaled down, into
//! the local notifier, and prints the timeline. No credentials, no Claude Code, no network.

use std::io::Write;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use cc_notify_core::DecisionKind;
use cc_notify_core::decision_log::{self, LogRecord};
use cc_notify_core::store::StateDir;

use crate::log_view::format_record;

/// Hook events recorded from a real Claude Code 2.1.328 session, with their spacing.
const RECORDING: &str = include_str!("../demo/session.jsonl");

/// The demo's configuration: 2 s instead of 20 s for a short turn, no grace period.
const DEMO_CONFIG: &str = "\
[timing]
bands = [[60, 2]]
grace = 0
rate_limit = 0

[sessions]
headless = \"notify\"
";

#[derive(serde::Deserialize)]
struct Step {
    after_ms: u64,
    note: String,
    event: serde_json::Value,
}

/// Runs the demo.
pub fn run() -> ExitCode {
    let root = std::env::temp_dir().join(format!("cc-notify-demo-{}", std::process::id()));
    let result = replay(&root);
    let _ = std::fs::remove_dir_all(&root);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cc-notify demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn replay(root: &Path) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find my own binary: {e}"))?;
    let state = root.join("state");
    let config = root.join("config.toml");
    std::fs::create_dir_all(root).map_err(|e| format!("{}: {e}", root.display()))?;
    std::fs::write(&config, DEMO_CONFIG).map_err(|e| format!("{}: {e}", config.display()))?;
    let dir = StateDir::open(&state).map_err(|e| e.to_string())?;

    println!("Replaying a recorded Claude Code session (delays scaled: 20 s → 2 s).");
    println!("Pushes go to the local notifier; the decision log is shown as it is written.\n");
    let start = Instant::now();
    let mut shown = 0usize;
    for line in RECORDING.lines().filter(|l| !l.trim().is_empty()) {
        let step: Step = serde_json::from_str(line).map_err(|e| format!("bad recording: {e}"))?;
        shown = wait_showing(&dir, start, shown, Duration::from_millis(step.after_ms));
        let name = step.event["hook_event_name"]
            .as_str()
            .unwrap_or("?")
            .to_owned();
        println!(
            "{:>6.1}s  ▶ {name}: {}",
            start.elapsed().as_secs_f64(),
            step.note
        );
        run_hook(&exe, &state, &config, &step.event)?;
    }
    // Let every delivery process finish.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && !settled(&dir) {
        shown = wait_showing(&dir, start, shown, Duration::from_millis(200));
    }
    wait_showing(&dir, start, shown, Duration::ZERO);
    let fired = decision_log::read_last(&dir, 10_000)
        .unwrap_or_default()
        .iter()
        .filter(|r| r.decision == DecisionKind::Fired)
        .count();
    println!(
        "\n{fired} push(es) delivered. In real use they go to Pushover (see `cc-notify doctor`)."
    );
    Ok(())
}

fn run_hook(
    exe: &Path,
    state: &Path,
    config: &Path,
    event: &serde_json::Value,
) -> Result<(), String> {
    let mut child = Command::new(exe)
        .arg("hook")
        .env("CC_NOTIFY_STATE_DIR", state)
        .env("CC_NOTIFY_CONFIG", config)
        .env("CLAUDE_CODE_SESSION_ATTENDED", "1")
        .env_remove("CC_NOTIFY_PUSHOVER_TOKEN")
        .env_remove("CC_NOTIFY_PUSHOVER_USER")
        .env_remove("PUSHOVER_TOKEN")
        .env_remove("PUSHOVER_USER")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run the hook: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(event.to_string().as_bytes())
            .map_err(|e| format!("cannot feed the hook: {e}"))?;
    }
    child.wait().map_err(|e| format!("hook: {e}"))?;
    Ok(())
}

/// Waits `for_`, printing new decision-log lines as they appear; returns how many were shown.
fn wait_showing(dir: &StateDir, start: Instant, mut shown: usize, for_: Duration) -> usize {
    let until = Instant::now() + for_;
    loop {
        let records = decision_log::read_last(dir, 10_000).unwrap_or_default();
        for r in records.iter().skip(shown) {
            print_record(start, r);
        }
        shown = shown.max(records.len());
        if Instant::now() >= until {
            return shown;
        }
        std::thread::sleep(Duration::from_millis(50).min(until - Instant::now()));
    }
}

fn print_record(start: Instant, r: &LogRecord) {
    let mark = match r.decision {
        DecisionKind::Fired => "📱",
        DecisionKind::Scheduled => "⏳",
        DecisionKind::Cancelled | DecisionKind::SkippedTyping | DecisionKind::RateLimited => "✋",
        DecisionKind::Failed | DecisionKind::Error => "✗",
        _ => "·",
    };
    let line = format_record(r);
    let detail = line
        .split_once("  ")
        .map_or(line.as_str(), |(_, rest)| rest.trim_start());
    println!(
        "{:>6.1}s     {mark} {detail}",
        start.elapsed().as_secs_f64()
    );
}

/// Every scheduled push reached an outcome.
fn settled(dir: &StateDir) -> bool {
    let records = decision_log::read_last(dir, 10_000).unwrap_or_default();
    let scheduled = records
        .iter()
        .filter(|r| r.decision == DecisionKind::Scheduled)
        .count();
    let ended = records
        .iter()
        .filter(|r| r.push_id.is_some())
        .filter(|r| {
            matches!(
                r.decision,
                DecisionKind::Fired
                    | DecisionKind::Cancelled
                    | DecisionKind::SkippedTyping
                    | DecisionKind::RateLimited
                    | DecisionKind::Failed
            )
        })
        .map(|r| r.push_id)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    ended >= scheduled
}
