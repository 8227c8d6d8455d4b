//! `cc-notify hook`: what each coding agent runs for every registered event.
//!
//! Contract with Claude Code: drain stdin, print nothing on stdout, exit 0, never wait on the
//! network or sleep — except a `PermissionRequest` with `[approvals]` on, which
//! [`approve`](crate::approve) may answer from the phone. Every outcome — including bad input and broken config — is one line in
//! the decision log.

use std::ffi::OsString;
use std::path::Path;

use cc_notify_core::agent::select;
use cc_notify_core::decision_log::LogRecord;
use cc_notify_core::engine::{self, Action, Context, TailDepth, TranscriptFacts};
use cc_notify_core::event::{Agent, Event, EventKind};
use cc_notify_core::state::Terminal;
use cc_notify_core::store::StateDir;
use cc_notify_core::{ActivityProbe, DecisionKind, transcript, tty};

use crate::handoff::Watching;
use crate::runtime::{self, Runtime, now_ms};
use crate::session_file::SessionFile;
use crate::{process, recover};

/// Files that silence a project when present in its working or project directory.
pub const OPT_OUT_MARKERS: [&str; 2] = [".no-pushover", ".cc-notify-off"];

/// Runs one hook invocation. Never panics outward, never fails: problems are logged.
///
/// `args` are the words after `hook`: `--agent NAME` picks the agent's adapter (detected from
/// the payload otherwise); a last word that is a JSON object is the payload (Codex's `notify`
/// passes it so), and stdin is then left alone.
pub fn run(args: &[OsString]) {
    let (agent, argument) = hook_args(args);
    // Drain stdin to EOF whatever it holds (exiting early gives the agent an EPIPE), keeping
    // only the fields the adapter reads: a tool's megabytes of output pass through a fixed
    // buffer.
    let read = match &argument {
        Some(json) => Ok(json.clone()),
        None => crate::approve::read_document(agent, std::io::stdin().lock()),
    };
    let now = now_ms();
    let Some(dir) = runtime::open_state_dir() else {
        return;
    };
    let input = match read {
        Ok(input) => input,
        Err(e) => {
            runtime::log(
                &dir,
                LogRecord::new(
                    now,
                    DecisionKind::Error,
                    format!("cannot read hook input: {e}"),
                ),
            );
            return;
        }
    };
    let decoded = match argument {
        Some(_) => select::decode_argument(&input),
        None => select::decode(agent, &input),
    };
    let (event, reply_file) = match decoded {
        Ok(decoded) => {
            // Copilot writes the reply to its session file a moment after the hook ran: when
            // it is not there yet, the deliverer reads it at send time.
            let file = decoded.reply_file.clone();
            let event = decoded.into_event();
            let missing = matches!(&event.kind, EventKind::TurnEnded { reply: None, .. });
            (event, file.filter(|_| missing))
        }
        Err(e) => {
            let mut rec = LogRecord::new(now, DecisionKind::Error, format!("{e}; event ignored"));
            rec.session = std::env::var("CLAUDE_CODE_SESSION_ID").ok();
            runtime::log(&dir, rec);
            return;
        }
    };
    let rt = Runtime::load_for_hook(&dir, now, Some(&event));
    // A permission dialog answered from the phone (`[approvals]`), or the end of one.
    if crate::approve::dispatch(&dir, &rt, &event, &input) {
        return;
    }
    drop(input);
    // An approval may have waited for the phone: the event is handled as of now.
    handle(&dir, &rt, &event, reply_file, now.max(now_ms()));
}

/// Handles `event` as a hook run would, as of now: for an event held while the phone was
/// asked about a dialog, which nobody answered.
pub(crate) fn handle_now(dir: &StateDir, rt: &Runtime, event: &Event) {
    handle(dir, rt, event, None, now_ms());
}

/// `--agent NAME` (or `--agent=NAME`; an unknown name is detection's job) and a last word
/// holding a JSON object.
fn hook_args(args: &[OsString]) -> (Option<Agent>, Option<Vec<u8>>) {
    let mut agent = None;
    let mut words = args.iter().map(|a| a.as_encoded_bytes());
    while let Some(word) = words.next() {
        let name = match word.strip_prefix(b"--agent") {
            Some(b"") => words.next(),
            Some(rest) => rest.strip_prefix(b"="),
            None => None,
        };
        if let Some(name) = name {
            agent = std::str::from_utf8(name).ok().and_then(Agent::from_id);
        }
    }
    let argument = args
        .last()
        .map(|a| a.as_encoded_bytes())
        .filter(|a| a.trim_ascii_start().starts_with(b"{"))
        .map(<[u8]>::to_vec);
    (agent, argument)
}

fn handle(
    dir: &StateDir,
    rt: &Runtime,
    event: &Event,
    reply_file: Option<std::path::PathBuf>,
    now: u64,
) {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        runtime::log_event(
            dir,
            event,
            DecisionKind::Error,
            None,
            format!("{what}: {e}"),
        );
    };
    // Without the lock (a read-only state directory, no space for the lock file) the event is
    // still decided, from the state last saved, and a push goes out carried on its
    // deliverer's command line; nothing is saved.
    let guard = dir
        .lock(&event.session_id)
        .map_err(|e| {
            fail(
                "session state cannot be locked; deciding without saving",
                &e,
            )
        })
        .ok();
    let mut file: SessionFile = match &guard {
        Some(guard) => guard.load().unwrap_or_else(|e| {
            fail("session state unreadable, starting afresh", &e);
            SessionFile::default()
        }),
        None => dir.read_unlocked(&event.session_id),
    };
    // Pushes scheduled by this run with their deliverer, handed over again if the state
    // cannot be saved.
    let mut scheduled = Vec::new();
    // Most events (every tool call) leave the state as it was: then there is nothing to save
    // (unless the file does not exist yet: `status` lists sessions by their files).
    let loaded = file.clone();
    let needs = engine::needs(&file.state, event, &rt.engine);
    let (progress, progress_restarted) = match needs.progress_from {
        Some(offset) => progress_scan(dir, event, offset),
        None => (None, false),
    };
    let ctx = Context {
        now_ms: now,
        silenced: needs.opt_out && silenced(event),
        headless: std::env::var_os("CLAUDE_CODE_SESSION_ATTENDED").is_some_and(|v| v == "0"),
        transcript: needs
            .transcript
            .and_then(|depth| transcript_facts(event, depth)),
        progress,
        progress_restarted,
    };
    let (state, actions) = engine::step(std::mem::take(&mut file.state), event, &ctx, &rt.engine);
    file.state = state;
    if actions.is_empty() && event.kind == EventKind::Unknown {
        let name = event.name();
        runtime::log_event(
            dir,
            event,
            DecisionKind::Suppressed,
            None,
            format!("`{name}` is not an event cc-notify acts on; ignored"),
        );
    }
    for action in actions {
        match action {
            Action::Cancel {
                push_id,
                deliverer,
                reason,
            } => {
                if let Some(who) = deliverer {
                    process::cancel(who);
                }
                file.drop_push(push_id);
                let mut rec = runtime::record(event, DecisionKind::Cancelled, None, reason);
                rec.push_id = Some(push_id);
                runtime::log(dir, rec);
            }
            Action::Record {
                decision,
                kind,
                reason,
            } => {
                runtime::log_event(dir, event, decision, kind, reason);
            }
            Action::Schedule(mut push) => {
                if push.presence_checked {
                    push.terminal = user_terminal();
                }
                let (push_id, kind) = (push.id, push.kind());
                engine::attach_terminal(&mut file.state, push_id, push.terminal.clone());
                engine::attach_reply_file(&mut file.state, push_id, reply_file.clone());
                let mut watching = Watching::of(&push, rt.presence);
                watching.other_probes =
                    push.presence_checked && cc_notify_presence::beyond_the_terminal();
                let delay_ms = watching.delay_ms;
                let spawned = match &guard {
                    Some(_) => process::spawn_deliverer(&event.session_id, push_id, &watching),
                    None => process::spawn_carrying(
                        &event.session_id,
                        push_id,
                        &watching,
                        &push.notification,
                    ),
                };
                match spawned {
                    Ok(who) => {
                        engine::attach_deliverer(&mut file.state, push_id, who);
                        scheduled.push((push, watching.clone(), who));
                        let terminal = watching.tty.map_or_else(
                            || "no terminal found: no typing check".to_owned(),
                            |t| format!("watching {}", t.display()),
                        );
                        let mut rec = runtime::record(
                            event,
                            DecisionKind::Scheduled,
                            Some(kind),
                            format!("push in {} s; {terminal}", delay_ms / 1000),
                        );
                        rec.push_id = Some(push_id);
                        rec.delay_ms = Some(delay_ms);
                        runtime::log(dir, rec);
                    }
                    Err(e) => {
                        file.drop_push(push_id);
                        let mut rec = runtime::record(
                            event,
                            DecisionKind::Failed,
                            Some(kind),
                            format!("cannot start the delivery process: {e}"),
                        );
                        rec.push_id = Some(push_id);
                        runtime::log(dir, rec);
                    }
                }
            }
            Action::SendNow(notifications) => {
                let count = notifications.len();
                file.progress_queue.extend(notifications);
                let running = file
                    .progress_sender
                    .is_some_and(|p| crate::process::is_same_process(p.pid, p.start_time));
                let outcome = if running {
                    "queued behind the progress sender already running".to_owned()
                } else {
                    match process::spawn_progress_sender(&event.session_id) {
                        Ok(who) => {
                            file.progress_sender = Some(who);
                            "sending now".to_owned()
                        }
                        Err(e) => {
                            format!("cannot start the progress sender, kept for the next one: {e}")
                        }
                    }
                };
                runtime::log_event(
                    dir,
                    event,
                    DecisionKind::Scheduled,
                    Some(cc_notify_core::Kind::Progress),
                    format!("{count} progress message(s): {outcome}"),
                );
            }
            _ => {}
        }
    }
    // A push whose deliverer died (killed, out of memory, a reboot) is sent by a new one, or
    // logged as lost; a session's start looks at every other session too.
    if guard.is_some() {
        recover::session(dir, &event.session_id, &mut file, rt);
    }
    // An ended session's file stays while a push of it is due (e.g. `claude -p` ended); the
    // deliverer removes it when it is done.
    let Some(guard) = guard else { return };
    let saved = if file.finished() {
        guard.remove()
    } else if file == loaded && guard.path().is_file() {
        Ok(())
    } else {
        guard.save(&file)
    };
    if let Err(e) = saved {
        fail("cannot save session state", &e);
        // A push this run cancelled must not come back from the file as an orphan once there
        // is room again: forget the file (removing one works on a full disk).
        let dropped = loaded.state.pending.as_ref().map(|p| p.id);
        if dropped.is_some() && dropped != file.state.pending.as_ref().map(|p| p.id) {
            let _ = guard.remove();
        }
        // Its deliverer would find no record of the push: hand it over on the command line.
        for (push, watching, who) in scheduled {
            process::cancel(who);
            if let Err(e) =
                process::spawn_carrying(&event.session_id, push.id, &watching, &push.notification)
            {
                fail("cannot start the delivery process", &e);
            }
        }
    }
    drop(guard);
    if matches!(event.kind, EventKind::SessionStarted { .. }) {
        recover::sweep(dir, rt, Some(&event.session_id));
    }
}

/// Whether an opt-out marker exists in the session's cwd or project directory.
fn silenced(event: &Event) -> bool {
    let project = std::env::var_os("CLAUDE_PROJECT_DIR").map(std::path::PathBuf::from);
    [event.cwd.as_deref(), project.as_deref()]
        .into_iter()
        .flatten()
        .any(has_marker)
}

fn has_marker(dir: &Path) -> bool {
    OPT_OUT_MARKERS
        .iter()
        .any(|m| std::fs::symlink_metadata(dir.join(m)).is_ok())
}

fn transcript_facts(event: &Event, depth: TailDepth) -> Option<TranscriptFacts> {
    let path = event.transcript_path.as_deref()?;
    let tail = match depth {
        TailDepth::Reply => transcript::last_reply(path),
        TailDepth::Turn => transcript::last_turn(path),
    }
    .ok()?;
    Some(TranscriptFacts {
        final_reply: tail.final_reply,
        api_error: tail.api_error.map(|e| e.text),
        tool_failures: tail.failed_tools,
        last_tool_failed: tail.last_tool_failed,
    })
}

/// Reads the transcript forwards from `offset`, where the last progress scan stopped; from 0
/// when the transcript no longer reaches it (then also true: the cursor must restart).
fn progress_scan(dir: &StateDir, event: &Event, offset: u64) -> (Option<transcript::Scan>, bool) {
    let Some(path) = event.transcript_path.as_deref() else {
        return (None, false);
    };
    let (scanned, restarted) = match transcript::scan_from(path, offset) {
        Err(transcript::TranscriptError::OffsetPastEnd { .. }) => {
            (transcript::scan_from(path, 0), true)
        }
        other => (other, false),
    };
    let scan = match scanned {
        Ok(scan) => Some(scan),
        Err(e) => {
            runtime::log_event(
                dir,
                event,
                DecisionKind::Error,
                Some(cc_notify_core::Kind::Progress),
                format!("transcript not scanned for progress: {e}"),
            );
            None
        }
    };
    (scan, restarted)
}

/// Finds the user's terminal and samples it, for the deliverer to compare against later.
fn user_terminal() -> Option<Terminal> {
    let claude_pid = std::env::var("CLAUDE_PID")
        .ok()
        .and_then(|p| p.parse().ok());
    let path = tty::find_user_terminal(claude_pid)?;
    let baseline = tty::TtyProbe::new(path.clone()).sample().ok();
    Some(Terminal { path, baseline })
}
