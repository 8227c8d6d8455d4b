//! Time bounds: every probe answers within its limit or reads as "unknown".

use std::ffi::OsStr;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long one probe may take before it reads as unknown.
pub const LIMIT: Duration = Duration::from_secs(1);

/// Runs `f` on its own thread and waits at most `limit` for it. A call that overruns is left to
/// finish on its own (its answer is dropped); the error says it timed out.
pub fn within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("presence-probe".into())
        .spawn(move || {
            // The receiver may have given up: nothing to tell then.
            let _ = tx.send(f());
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    match rx.recv_timeout(limit) {
        Ok(answer) => answer,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err(format!("no answer within {} ms", limit.as_millis()))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err("the probe failed".into()),
    }
}

/// Runs `program` with `args` and returns its standard output, or why not: it could not start,
/// exited non-zero, or ran past `limit` (then it is killed).
pub fn run(program: &str, args: &[&OsStr], limit: Duration) -> Result<String, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let pid = rustix::process::Pid::from_child(&child);
    let (mut out, mut err) = (child.stdout.take(), child.stderr.take());
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::Builder::new()
        .name("presence-exec".into())
        .spawn(move || {
            let mut stdout = String::new();
            let mut stderr = String::new();
            if let Some(o) = out.as_mut() {
                let _ = o.take(1 << 20).read_to_string(&mut stdout);
            }
            if let Some(e) = err.as_mut() {
                let _ = e.take(4096).read_to_string(&mut stderr);
            }
            let status = child.wait();
            let _ = tx.send((status, stdout, stderr));
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    match rx.recv_timeout(limit) {
        Ok((Ok(status), stdout, _)) if status.success() => Ok(stdout),
        Ok((Ok(status), _, stderr)) => Err(format!(
            "{program} failed ({status}): {}",
            stderr.trim().lines().next().unwrap_or("")
        )),
        Ok((Err(e), _, _)) => Err(format!("{program}: {e}")),
        Err(_) => {
            // Not yet reaped (the reader thread still waits for it): the pid is still ours.
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            let _ = reader.join();
            Err(format!(
                "{program} gave no answer within {} ms",
                limit.as_millis()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_past_its_limit_is_killed_and_reads_as_an_error() {
        let started = std::time::Instant::now();
        let err = run("sleep", &["30".as_ref()], Duration::from_millis(200)).unwrap_err();
        assert!(err.contains("no answer within 200 ms"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn output_and_failures_of_a_command() {
        assert_eq!(
            run("echo", &["hi".as_ref()], LIMIT).unwrap(),
            "hi\n".to_owned()
        );
        let err = run(
            "sh",
            &["-c".as_ref(), "echo nope >&2; exit 3".as_ref()],
            LIMIT,
        )
        .unwrap_err();
        assert!(err.contains("nope"), "{err}");
        assert!(run("/nonexistent/program", &[], LIMIT).is_err());
    }

    #[test]
    fn a_call_past_its_limit_reads_as_an_error() {
        let (_keep, rx) = mpsc::channel::<()>();
        let err = within(Duration::from_millis(50), move || {
            let _ = rx.recv();
            Ok(())
        })
        .unwrap_err();
        assert!(err.contains("within 50 ms"), "{err}");
        assert_eq!(within(LIMIT, || Ok(7)), Ok(7));
    }
}
