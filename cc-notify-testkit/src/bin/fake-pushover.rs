//! `fake-pushover`: the Pushover API fake as a standalone process for end-to-end tests.
//!
//! ```text
//! fake-pushover --requests FILE [--port-file FILE] [--accept-token T] [--accept-user U]
//! ```
//!
//! Listens on 127.0.0.1 (random port), writes the port to `--port-file` atomically (a temp
//! file, then a rename), prints `listening on http://127.0.0.1:PORT`, appends each answered request to
//! `--requests` as one JSON line (`{"path", "params", "status"}`), and runs until killed.

use std::path::PathBuf;
use std::process::ExitCode;

use cc_notify_testkit::pushover::FakePushover;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (mut port_file, mut requests, mut token, mut user) = (None, None, None, None);
    while let Some(flag) = args.next() {
        let value = args.next();
        let slot = match flag.to_str() {
            Some("--port-file") => &mut port_file,
            Some("--requests") => &mut requests,
            Some("--accept-token") => &mut token,
            Some("--accept-user") => &mut user,
            _ => return usage(&format!("unknown argument {flag:?}")),
        };
        match value {
            Some(v) => *slot = Some(v),
            None => return usage(&format!("{flag:?} needs a value")),
        }
    }
    let Some(requests) = requests else {
        return usage("--requests is required");
    };
    let fake = FakePushover::start();
    fake.log_requests_to(PathBuf::from(requests));
    if let Some(t) = token.as_ref().and_then(|t| t.to_str()) {
        fake.accept_tokens(&[t]);
    }
    if let Some(u) = user.as_ref().and_then(|u| u.to_str()) {
        fake.accept_users(&[u]);
    }
    if let Some(path) = port_file.map(PathBuf::from) {
        let tmp = path.with_extension("tmp");
        let written = std::fs::write(&tmp, fake.addr().port().to_string())
            .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = written {
            eprintln!("fake-pushover: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("listening on http://{}", fake.addr());
    loop {
        std::thread::park();
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!(
        "fake-pushover: {problem}\nusage: fake-pushover --requests FILE [--port-file FILE] \
         [--accept-token T] [--accept-user U]"
    );
    ExitCode::from(2)
}
