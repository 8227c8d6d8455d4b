//! `fake-service`: the ntfy, Telegram and webhook fakes as a standalone process for
//! end-to-end tests.
//!
//! ```text
//! fake-service ntfy|telegram|slack|discord|json --requests FILE [--port-file FILE]
//!              [--token T] [--chat ID]
//! ```
//!
//! Listens on 127.0.0.1 (random port), writes the port to `--port-file` atomically (a temp
//! file, then a rename), prints `listening on http://127.0.0.1:PORT` and, for the webhooks,
//! `url <the URL that works>`, appends each answered request to `--requests` as one JSON line
//! (`{"method","path","status","body"}`), and runs until killed. `--token` makes ntfy require
//! that bearer token; `--chat` adds a Telegram chat the bot may write to (repeatable).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use cc_notify_testkit::ntfy::FakeNtfy;
use cc_notify_testkit::telegram::FakeTelegram;
use cc_notify_testkit::webhook::{FakeWebhook, Flavour};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(kind) = args.next() else {
        return usage("which service?");
    };
    let (mut port_file, mut requests, mut token, mut chats) = (None, None, None, Vec::new());
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else {
            return usage(&format!("{flag} needs a value"));
        };
        match flag.as_str() {
            "--port-file" => port_file = Some(PathBuf::from(value)),
            "--requests" => requests = Some(PathBuf::from(value)),
            "--token" => token = Some(value),
            "--chat" => match value.parse::<i64>() {
                Ok(c) => chats.push(c),
                Err(_) => return usage(&format!("--chat {value:?} is not a number")),
            },
            _ => return usage(&format!("unknown argument {flag:?}")),
        }
    }
    let Some(requests) = requests else {
        return usage("--requests is required");
    };
    // Each fake lives until the process is killed; keep it in scope.
    let (addr, url, _keep): (SocketAddr, Option<String>, Box<dyn std::any::Any>) =
        match kind.as_str() {
            "ntfy" => {
                let f = FakeNtfy::start();
                f.log_requests_to(requests);
                if let Some(t) = &token {
                    f.require_token(t);
                }
                (f.addr(), None, Box::new(f))
            }
            "telegram" => {
                let f = FakeTelegram::start();
                f.log_requests_to(requests);
                for c in chats {
                    f.add_chat(c);
                }
                (f.addr(), None, Box::new(f))
            }
            "slack" | "discord" | "json" => {
                let flavour = match kind.as_str() {
                    "slack" => Flavour::Slack,
                    "discord" => Flavour::Discord,
                    _ => Flavour::Json,
                };
                let f = FakeWebhook::start(flavour);
                f.log_requests_to(requests);
                (f.addr(), Some(f.url()), Box::new(f))
            }
            other => return usage(&format!("unknown service {other:?}")),
        };
    if let Some(path) = port_file {
        let tmp = path.with_extension("tmp");
        let written = std::fs::write(&tmp, addr.port().to_string())
            .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = written {
            eprintln!("fake-service: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("listening on http://{addr}");
    if let Some(url) = url {
        println!("url {url}");
    }
    loop {
        std::thread::park();
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!(
        "fake-service: {problem}\nusage: fake-service ntfy|telegram|slack|discord|json \
         --requests FILE [--port-file FILE] [--token T] [--chat ID]"
    );
    ExitCode::from(2)
}
