//! The detached delivery process: starting it in its own session, and stopping it safely.

use std::ffi::OsString;
use std::io;
use std::process::{Command, Stdio};

use cc_notify_core::state::ProcessRef;
use cc_notify_core::tty;

use crate::handoff::Watching;

/// Starts `cc-notify deliver --session ID --push N …` detached, with what it is to watch while it
/// waits on its command line: stdio on /dev/null (Claude Code
/// waits for the hook's stdout and stderr to close, so the child must not inherit them); the
/// child puts itself in its own session first thing ([`detach_self`]). No `pre_exec` here, so
/// the standard library can use `posix_spawn` instead of fork + exec (most of the hook's cost
/// on the events that schedule a push). Returns its identity for a later cancel.
pub fn spawn_deliverer(
    session_id: &str,
    push_id: u64,
    watching: &Watching,
) -> io::Result<ProcessRef> {
    let mut args: Vec<OsString> = vec![
        "--session".into(),
        session_id.into(),
        "--push".into(),
        push_id.to_string().into(),
    ];
    args.extend(watching.to_args());
    spawn(&args)
}

/// Starts `cc-notify deliver --session ID --progress`, which sends the session's queued
/// progress pushes in order and exits when the queue is empty.
pub fn spawn_progress_sender(session_id: &str) -> io::Result<ProcessRef> {
    spawn(&["--session".into(), session_id.into(), "--progress".into()])
}

fn spawn(args: &[OsString]) -> io::Result<ProcessRef> {
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.arg("deliver")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = cmd.spawn()?;
    let pid = child.id();
    // The child outlives us; dropping `Child` neither waits nor kills. Our exit reparents it.
    drop(child);
    let start_time = tty::process_start_time(pid).unwrap_or(0);
    Ok(ProcessRef { pid, start_time })
}

/// Called first thing by a delivery process: leave the hook's session and process group, so
/// nothing that ends Claude Code's hook ends the delivery, and so a cancel can signal exactly
/// this process group.
pub fn detach_self() {
    #[cfg(unix)]
    {
        // Fails only if we already lead a process group, which is fine.
        let _ = rustix::process::setsid();
    }
}

/// Stops a pending deliverer by signalling its process group (SIGTERM) — but only after
/// checking through `/proc` that `who` is still that process (same start time, same user), so
/// a recycled pid is never signalled. Returns whether a signal was sent.
pub fn cancel(who: ProcessRef) -> bool {
    // pid 0 and 1 would address our own group or every process we may signal.
    if who.pid <= 1 || !tty::is_same_process(who.pid, who.start_time) {
        return false;
    }
    let Some(pid) = i32::try_from(who.pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    // A deliverer leads its own session, so its own process group: signal the group. One that
    // has not reached its setsid yet (it was spawned a moment ago) is signalled alone.
    let leads_group = rustix::process::getpgid(Some(pid)).ok() == Some(pid);
    let sent = if leads_group {
        rustix::process::kill_process_group(pid, rustix::process::Signal::TERM)
    } else {
        rustix::process::kill_process(pid, rustix::process::Signal::TERM)
    };
    sent.is_ok()
}
