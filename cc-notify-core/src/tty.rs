//! The user's terminal: finding it, and reading when it last got input.
//!
//! A hook runs without a controlling terminal, but `claude`'s standard input is the user's
//! pty (`/proc/$CLAUDE_PID/fd/0` → `/dev/pts/N`). The TUI reading a keystroke moves the pty's
//! access time; output (echo, the spinner) moves its modification time, so only `atime` is
//! input. Both move in 8-second buckets ([`PTY_RESOLUTION`]).
//!
//! Process lookups read `/proc` and exist on Linux only; elsewhere they find nothing. (Telling
//! processes apart, for signalling a deliverer, is the binary's.)

use std::path::{Path, PathBuf};

use crate::activity::{
    Activity, ActivityProbe, Certainty, Input, PTY_RESOLUTION, ProbeError, Reading,
};

/// Reads when a terminal device last got input, from its access time. The device is never
/// opened: only its metadata is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TtyProbe {
    path: PathBuf,
}

impl TtyProbe {
    /// A probe of the terminal at `path` (e.g. from [`find_user_terminal`]).
    pub fn new(path: impl Into<PathBuf>) -> TtyProbe {
        TtyProbe { path: path.into() }
    }

    /// The terminal device.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl TtyProbe {
    /// The device's access time, at the tty layer's 8 s resolution. Inlined into the
    /// deliverer's wait, so the wait touches no page of this crate's code.
    #[inline(always)]
    fn stat(&self) -> Result<Activity, ProbeError> {
        let io_err = |source| ProbeError::Io {
            what: self.path.display().to_string(),
            source,
        };
        // One stat(2), as a direct system call: this runs every poll of a waiting deliverer,
        // whose memory stays smallest when it touches little code.
        let st = rustix::fs::stat(&self.path).map_err(|e| io_err(e.into()))?;
        let secs = u64::try_from(st.st_atime).unwrap_or(0);
        #[allow(
            clippy::useless_conversion,
            reason = "the field is signed on some targets"
        )]
        let millis = u64::try_from(st.st_atime_nsec).unwrap_or(0) / 1_000_000;
        Ok(Activity {
            last_input_ms: Some(secs.saturating_mul(1000).saturating_add(millis)),
            resolution_ms: u64::try_from(PTY_RESOLUTION.as_millis()).unwrap_or(u64::MAX),
        })
    }
}

impl ActivityProbe for TtyProbe {
    fn name(&self) -> &'static str {
        "pty"
    }

    /// The input is the device's access time (`atime`), at the tty layer's 8 s resolution; a
    /// terminal that cannot be read is [`Certainty::Unknown`], naming it.
    fn read(&self) -> Reading {
        match self.stat() {
            Ok(activity) => Reading {
                probe: self.name(),
                input: Some(Input {
                    signal: "atime",
                    activity,
                    jitter_ms: 0,
                }),
                certainty: Certainty::Nothing,
            },
            Err(e) => Reading::unknown(self.name(), e.to_string()),
        }
    }

    /// One `stat(2)` and nothing else: a waiting deliverer calls this every poll, and builds no
    /// [`Reading`] for it.
    #[inline(always)]
    fn sample(&self) -> Result<Activity, ProbeError> {
        self.stat()
    }
}

/// How many ancestors [`find_user_terminal`] looks at before giving up.
const MAX_ANCESTORS: usize = 32;

/// The user's terminal: standard input of `claude_pid` (the parsed `$CLAUDE_PID`) when it is a
/// `/dev/pts/N` or `/dev/ttyN`; else the first ancestor of this process, from its parent up,
/// whose standard input is a `/dev/pts/N`. A closed terminal (`… (deleted)`) does not count.
///
/// `None` means the typing check cannot be made, not that nothing should be sent.
pub fn find_user_terminal(claude_pid: Option<u32>) -> Option<PathBuf> {
    if let Some(tty) = claude_pid.and_then(|pid| stdin_terminal(pid, true)) {
        return Some(tty);
    }
    let mut pid = parent_of(std::process::id())?;
    for _ in 0..MAX_ANCESTORS {
        if pid <= 1 {
            return None;
        }
        if let Some(pts) = stdin_terminal(pid, false) {
            return Some(pts);
        }
        pid = parent_of(pid)?;
    }
    None
}

/// The terminal on `pid`'s standard input: a `/dev/pts/N`, or also a `/dev/ttyN` console when
/// `consoles` is set.
pub fn stdin_terminal(pid: u32, consoles: bool) -> Option<PathBuf> {
    let target = std::fs::read_link(format!("/proc/{pid}/fd/0")).ok()?;
    let name = target.to_str()?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let is_terminal = name.strip_prefix("/dev/pts/").is_some_and(digits)
        || consoles && name.strip_prefix("/dev/tty").is_some_and(digits);
    is_terminal.then_some(target)
}

/// Field `n` (numbered from 1 as in proc(5), `n >= 3`) of `/proc/<pid>/stat`, as a number.
/// `None` where there is no such process or no `/proc`, or — with `running` — where it has
/// exited and only waits for its parent to collect its status (a zombie).
pub fn stat_field(pid: u32, n: usize, running: bool) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 2, the command name in parentheses, may itself hold spaces and parentheses.
    let (_, rest) = stat.rsplit_once(") ")?;
    let mut fields = rest.split(' ');
    let state = fields.next()?;
    if running && matches!(state, "Z" | "X") {
        return None;
    }
    fields.nth(n.checked_sub(4)?)?.parse().ok()
}

fn parent_of(pid: u32) -> Option<u32> {
    u32::try_from(stat_field(pid, 4, false)?).ok()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::fs::{File, FileTimes, OpenOptions};
    use std::os::unix::fs::OpenOptionsExt;
    use std::process::{Command, Stdio};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use super::*;

    fn at_ms(ms: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(ms)
    }

    #[test]
    fn probe_reports_access_time_not_modification_time() {
        let tmp = tempfile::NamedTempFile::new().unwrap();
        let file = tmp.as_file();
        file.set_times(
            FileTimes::new()
                .set_accessed(at_ms(1_700_000_004_000))
                .set_modified(at_ms(1_700_000_100_000)),
        )
        .unwrap();
        let probe = TtyProbe::new(tmp.path());
        let first = probe.sample().unwrap();
        assert_eq!(first.last_input_ms, Some(1_700_000_004_000));
        assert_eq!(first.resolution_ms, 8_000);
        // Output (a spinner) moves mtime only: no input seen.
        file.set_times(FileTimes::new().set_modified(at_ms(1_700_000_200_000)))
            .unwrap();
        assert_eq!(probe.sample().unwrap(), first);
    }

    #[test]
    fn probe_of_a_missing_terminal_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let gone = tmp.path().join("pts-9");
        let err = TtyProbe::new(&gone).sample().unwrap_err();
        assert!(err.to_string().contains("pts-9"));
    }

    #[test]
    fn a_claude_without_a_terminal_falls_back_to_our_ancestors() {
        let mut child = Command::new("sleep")
            .arg("30")
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        assert_eq!(stdin_terminal(pid, true), None);
        assert_eq!(find_user_terminal(Some(pid)), find_user_terminal(None));
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// A new pty pair: (master, slave path), or `None` where ptys cannot be made.
    fn open_pty() -> Option<(File, PathBuf)> {
        use rustix::ioctl::{Getter, Setter, ioctl, opcode};
        use std::ffi::{c_int, c_uint};
        let master = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
            .open("/dev/ptmx")
            .ok()?;
        // SAFETY: TIOCSPTLCK takes a pointer to an int, TIOCGPTN writes an unsigned int; both
        // are the documented argument types of these pty ioctls.
        let number = unsafe {
            ioctl(
                &master,
                Setter::<{ opcode::write::<c_int>(b'T', 0x31) }, c_int>::new(0),
            )
            .ok()?;
            ioctl(
                &master,
                Getter::<{ opcode::read::<c_uint>(b'T', 0x30) }, c_uint>::new(),
            )
            .ok()?
        };
        Some((master, PathBuf::from(format!("/dev/pts/{number}"))))
    }

    #[test]
    fn finds_the_pty_on_claudes_standard_input() {
        let Some((_master, pts)) = open_pty() else {
            eprintln!("skipped: this system cannot allocate a pty (/dev/ptmx)");
            return;
        };
        let slave = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
            .open(&pts)
            .unwrap();
        let mut child = Command::new("sleep")
            .arg("30")
            .stdin(Stdio::from(slave))
            .spawn()
            .unwrap();
        let found = find_user_terminal(Some(child.id()));
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(found, Some(pts.clone()));
        let sample = TtyProbe::new(&pts).sample().unwrap();
        assert!(sample.last_input_ms.is_some());
    }
}
