//! How a delivery process notices that it is being stopped — SIGTERM (a cancel from the next
//! prompt), SIGINT or SIGHUP. Each signal records its number and writes a byte to a socket.
//! While the process waits out a push's delay it polls that socket with a timeout
//! ([`StopSignals::sleep`]), so the wait needs no thread: it is the process's whole life while
//! a push is pending, and this keeps it small. Once it sends, a thread reads the socket instead
//! ([`StopSignals::watch_in_background`]), so a stop takes effect even mid-request.

//!
//! The handler is installed with `sigaction(2)` directly: it only stores the number and
//! writes one byte, and a waiting process keeps every page of code it ran, so no registry of
//! handlers runs before the wait.

use std::io::{ErrorKind, Read};
use std::os::fd::IntoRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::Duration;

use libc::{SIGHUP, SIGINT, SIGTERM};
use rustix::event::{PollFd, PollFlags, Timespec, poll};

/// The number of the last stop signal caught (0: none).
static CAUGHT: AtomicUsize = AtomicUsize::new(0);

/// The write end of the wake-up socket, for the handler (-1: none yet).
static WAKE_TX: AtomicI32 = AtomicI32::new(-1);

/// The handler of every stop signal: async-signal-safe, an atomic store and a `send(2)`,
/// with `errno` kept as the interrupted code left it.
extern "C" fn on_stop(signal: libc::c_int) {
    // The flag first, then the wake-up: a woken wait always finds the flag set.
    CAUGHT.store(usize::try_from(signal).unwrap_or(0), Ordering::SeqCst);
    let fd = WAKE_TX.load(Ordering::SeqCst);
    // SAFETY: this thread's errno, saved so the interrupted code never sees `send`'s.
    let errno = unsafe { *libc::__errno_location() };
    if fd >= 0 {
        let byte = [1u8];
        // SAFETY: `fd` is the socket's write end, open for the life of the process; the buffer
        // is one valid byte. A full socket (a wake-up already pending) fails harmlessly.
        unsafe {
            libc::send(
                fd,
                byte.as_ptr().cast(),
                1,
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            )
        };
    }
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}

/// The stop signals, caught; see the [module docs](self).
pub struct StopSignals {
    /// The read end of the wake-up socket; `None` when the handlers could not be installed
    /// (the signals then keep their default action: the process ends at once, unlogged).
    wake: Option<UnixStream>,
}

/// A stop signal arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// The signal's number.
    pub signal: i32,
}

impl Stopped {
    /// How the log names it.
    pub fn name(self) -> &'static str {
        match self.signal {
            SIGTERM => "SIGTERM",
            SIGINT => "SIGINT",
            SIGHUP => "SIGHUP",
            _ => "a signal",
        }
    }
}

impl StopSignals {
    /// Catches SIGTERM, SIGINT and SIGHUP from now on.
    pub fn install() -> std::io::Result<StopSignals> {
        let (wake, tx) = UnixStream::pair()?;
        // Kept open for the life of the process: a handler may write to it at any moment.
        WAKE_TX.store(tx.into_raw_fd(), Ordering::SeqCst);
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            // SAFETY: an all-zero `sigaction` is valid (no flags, empty mask); the handler
            // only does async-signal-safe work.
            let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
            action.sa_sigaction = on_stop as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            // SAFETY: `action` is initialised; the old action is not asked for.
            if unsafe { libc::sigaction(sig, &action, std::ptr::null_mut()) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(StopSignals { wake: Some(wake) })
    }

    /// Default actions, nothing caught: for when [`install`](Self::install) failed.
    pub fn none() -> StopSignals {
        StopSignals { wake: None }
    }

    /// From now on, a stop signal runs `then` on a thread of its own, wherever the rest of the
    /// process is (blocked in a request, say); the process exits when `then` returns.
    pub fn watch_in_background(self, then: impl FnOnce(Stopped) + Send + 'static) {
        let Some(wake) = self.wake else { return };
        std::thread::spawn(move || {
            let mut buf = [0u8; 16];
            loop {
                if let Some(stopped) = caught() {
                    then(stopped);
                    std::process::exit(0);
                }
                // Blocks until a signal's byte arrives (the write ends are never closed).
                match (&wake).read(&mut buf) {
                    Ok(0) => return,
                    Err(e) if e.kind() != ErrorKind::Interrupted => return,
                    _ => {}
                }
            }
        });
    }

    /// Sleeps for up to `d`. A stop signal ends it early, with the signal (also one that came
    /// before the call); another interruption may end it early too, so callers go by their
    /// clock, not by the return.
    pub fn sleep(&self, d: Duration) -> Result<(), Stopped> {
        let Some(wake) = &self.wake else {
            std::thread::sleep(d);
            return Ok(());
        };
        if let Some(stopped) = caught() {
            return Err(stopped);
        }
        // poll's timeout is as precise as nanosleep's (a socket's receive timeout counts in
        // scheduler ticks).
        let timeout = Timespec::try_from(d).unwrap_or(Timespec {
            tv_sec: i64::MAX,
            tv_nsec: 0,
        });
        let _ = poll(&mut [PollFd::new(wake, PollFlags::IN)], Some(&timeout));
        caught().map_or(Ok(()), Err)
    }
}

/// The stop signal caught so far, if any.
fn caught() -> Option<Stopped> {
    match CAUGHT.load(Ordering::SeqCst) {
        0 => None,
        n => Some(Stopped {
            signal: i32::try_from(n).unwrap_or(0),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_stop_signal_ends_the_sleep_early_and_is_named() {
        let stop = StopSignals::install().expect("install");
        let long = Duration::from_secs(120);
        let started = Instant::now();
        let sleeper = std::thread::spawn(move || stop.sleep(long));
        // SAFETY: raising a signal this process catches.
        assert_eq!(unsafe { libc::raise(SIGHUP) }, 0, "raise");
        let woke = sleeper.join().expect("sleeper");
        assert_eq!(woke.map_err(Stopped::name), Err("SIGHUP"));
        assert!(
            started.elapsed() < long,
            "the signal did not wake the sleep"
        );
    }
}
