//! `cc-notify`: pushes a notification to your phone when Claude Code finishes a turn, fails,
//! or needs input — only when you have walked away.
//!
//! Run `cc-notify help` for the commands. This file is only the process entry point; the
//! commands are in the library (`cc_notify_cli`).

// The process starts at `main` below, not through std's runtime start-up: see `main`.
#![no_main]

use std::ffi::{CStr, OsString, c_char, c_int};
use std::os::unix::ffi::OsStringExt;
use std::process::ExitCode;

/// The process entry point, called by the C runtime. std's own start-up is skipped: it reads
/// `/proc/self/maps` to place a stack guard and installs stack-overflow handlers, which is a
/// sixth of a hook run's instructions and a third of a sleeping deliverer's memory. What of it
/// matters is done here instead: standard descriptors 0–2 are made valid (so no file the
/// process opens can land on them and receive output meant for the terminal), SIGPIPE is
/// ignored (so a peer that goes away fails a write instead of killing the process), and the
/// arguments are taken from `argv` — std reads them itself only on glibc, so on musl
/// `std::env::args` would be empty. Exiting through [`std::process::exit`] flushes stdout, as
/// returning from a std `main` does.
#[unsafe(no_mangle)]
extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    // SAFETY: plain libc calls on integer descriptors and a static path, made before any other
    // code runs; `signal` with SIG_IGN installs no handler.
    unsafe {
        for fd in 0..=2 {
            if libc::fcntl(fd, libc::F_GETFD) == -1 {
                libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
            }
        }
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    // SAFETY: the C runtime passes `argc` valid NUL-terminated strings in `argv`.
    let args = unsafe { args(argc, argv) };
    let code = cc_notify_cli::cli::run(args);
    // `ExitCode` has no stable way to read its value back; every code used is a `u8`.
    let status = (0..=u8::MAX)
        .find(|&c| ExitCode::from(c) == code)
        .unwrap_or(1);
    std::process::exit(i32::from(status))
}

/// The arguments after the program name.
///
/// # Safety
/// `argv` holds `argc` pointers to NUL-terminated strings (or is null with `argc` 0).
unsafe fn args(argc: c_int, argv: *const *const c_char) -> Vec<OsString> {
    let count = usize::try_from(argc).unwrap_or(0);
    if argv.is_null() {
        return Vec::new();
    }
    (1..count)
        .filter_map(|i| {
            // SAFETY: `i < argc`, so the slot is inside the array the caller vouched for.
            let arg = unsafe { *argv.add(i) };
            // SAFETY: a non-null slot points at a NUL-terminated string.
            (!arg.is_null()).then(|| unsafe { CStr::from_ptr(arg) })
        })
        .map(|arg| OsString::from_vec(arg.to_bytes().to_vec()))
        .collect()
}
