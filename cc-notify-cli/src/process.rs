//! The detached delivery process: starting it in its own session, and stopping it safely.

use std::io;
use std::process::{Command, Stdio};

use cc_notify_core::state::ProcessRef;
use cc_notify_core::tty;

/// Starts `cc-notify deliver --session ID --push N` detached: its own session (setsid), no
/// terminal, stdio on /dev/null (Claude Code waits for the hook's stdout and stderr to
/// close, so the child must not inherit them). Returns its identity for a later cancel.
pub fn spawn_deliverer(session_id: &str, push_id: u64) -> io::Result<ProcessRef> {
    spawn(&["--session", session_id, "--push", &push_id.to_string()])
}

/// Starts `cc-notify deliver --session ID --progress`, which sends the session's queued
/// progress pushes in order and exits when the queue is empty.
pub fn spawn_progress_sender(session_id: &str) -> io::Result<ProcessRef> {
    spawn(&["--session", session_id, "--progress"])
}

fn spawn(args: &[&str]) -> io::Result<ProcessRef> {
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.arg("deliver")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    detach(&mut cmd);
    let child = cmd.spawn()?;
    let pid = child.id();
    // The child outlives us; dropping `Child` neither waits nor kills. Our exit reparents it.
    drop(child);
    let start_time = tty::process_start_time(pid).unwrap_or(0);
    Ok(ProcessRef { pid, start_time })
}

#[cfg(unix)]
fn detach(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::setsid().map_err(io::Error::from)?;
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn detach(_cmd: &mut Command) {}

/// Stops a pending deliverer by signalling its process group (SIGTERM) — but only after
/// checking through procfs that `who` is still that process (same start time, same user), so
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
    // Our deliverers lead their own session, so their own process group: signal that group,
    // and nothing that is not such a leader.
    if rustix::process::getpgid(Some(pid)).ok() != Some(pid) {
        return false;
    }
    rustix::process::kill_process_group(pid, rustix::process::Signal::TERM).is_ok()
}
