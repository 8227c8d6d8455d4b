//! The detached delivery process: starting it in its own session, and stopping it safely.

use std::ffi::OsString;
use std::io;
use std::process::{Command, Stdio};

use cc_notify_core::state::ProcessRef;
use cc_notify_core::tty::stat_field;

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

/// [`spawn_deliverer`] for a push the hook could not save: the deliverer gets the notification
/// itself on its command line and sends it without the session file.
pub fn spawn_carrying(
    session_id: &str,
    push_id: u64,
    watching: &Watching,
    n: &cc_notify_core::Notification,
) -> io::Result<ProcessRef> {
    let mut args: Vec<OsString> = vec![
        "--session".into(),
        session_id.into(),
        "--push".into(),
        push_id.to_string().into(),
    ];
    args.extend(watching.to_args());
    args.extend(crate::handoff::carry_args(n));
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
    let start_time = process_start_time(pid).unwrap_or(0);
    Ok(ProcessRef { pid, start_time })
}

/// When `pid` started, in clock ticks since boot (`/proc/<pid>/stat` field 22). Together with
/// the pid it names one process: a recycled pid has a later start time. `None` where `/proc`
/// is not available.
pub fn process_start_time(pid: u32) -> Option<u64> {
    stat_field(pid, 22, false)
}

/// `pid` is still the process that started at `start_time` (see [`process_start_time`]),
/// still running, and runs as our user: safe to signal. False when it is gone (or has exited
/// and waits to be reaped), recycled or someone else's, and where `/proc` is not available.
pub fn is_same_process(pid: u32, start_time: u64) -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/<pid> belongs to the process's effective user.
    let ours = std::fs::metadata(format!("/proc/{pid}"))
        .is_ok_and(|m| m.uid() == rustix::process::geteuid().as_raw());
    ours && stat_field(pid, 22, true) == Some(start_time)
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
    if who.pid <= 1 || !is_same_process(who.pid, who.start_time) {
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn a_process_is_known_by_pid_and_start_time() {
        let me = std::process::id();
        let start = process_start_time(me).unwrap();
        assert!(is_same_process(me, start));
        assert!(!is_same_process(me, start + 1));

        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let pid = child.id();
        let child_start = process_start_time(pid).unwrap();
        assert!(child_start >= start);
        assert!(is_same_process(pid, child_start));
        child.kill().unwrap();
        // Exited but not yet reaped: a zombie is no longer that process either.
        let zombie = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|s| s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')))
        };
        while !zombie() {
            std::thread::yield_now();
        }
        assert!(!is_same_process(pid, child_start));
        child.wait().unwrap();
        // Reaped: the pid no longer names that process.
        assert!(!is_same_process(pid, child_start));
    }
}
