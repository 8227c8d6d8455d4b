//! The desktop backend against a real notification daemon: dunst on a headless X server
//! (Xvfb) with a private session bus (dbus-launch), read back with `dunstctl`.
//!
//! Install the programs with `.ci/desktop-setup.sh`, then run
//! `cargo test -p cc-notify-backends --test desktop_dunst -- --ignored --test-threads=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cc_notify_backends::{Desktop, DesktopConfig};
use cc_notify_core::{Kind, Notification, Notifier};
use serde_json::Value;

const NEEDS: &str = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)";

/// Per-urgency timeouts that tell the urgencies apart in `dunstctl history`.
const DUNSTRC: &str = "\
[global]
    notification_limit = 0
[urgency_low]
    timeout = 11
[urgency_normal]
    timeout = 12
[urgency_critical]
    timeout = 0
";

/// Waits for `cond` up to `limit`, checking every 20 ms.
fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Xvfb, a session bus and dunst, stopped on drop.
struct Session {
    xvfb: Child,
    dunst: Child,
    bus_pid: Option<i32>,
    display: String,
    bus: String,
    _dir: tempfile::TempDir,
}

impl Session {
    fn start() -> Session {
        let n = (90..400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free X display number");
        let display = format!(":{n}");
        let xvfb = Command::new("Xvfb")
            .args([&display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs");
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        assert!(
            wait_until(Duration::from_secs(10), || socket.exists()),
            "Xvfb did not come up on {display}"
        );
        let out = Command::new("dbus-launch")
            .arg("--sh-syntax")
            .env("DISPLAY", &display)
            .output()
            .expect("dbus-launch runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let var = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}=")))
                .map(|v| v.trim_end_matches(';').trim_matches('\'').to_owned())
        };
        let bus = var("DBUS_SESSION_BUS_ADDRESS").expect("dbus-launch prints the address");
        let bus_pid = var("DBUS_SESSION_BUS_PID").and_then(|p| p.parse().ok());
        let dir = tempfile::tempdir().unwrap();
        let rc = dir.path().join("dunstrc");
        std::fs::write(&rc, DUNSTRC).unwrap();
        let dunst = Command::new("dunst")
            .arg("-conf")
            .arg(&rc)
            .env("DISPLAY", &display)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst runs");
        let s = Session {
            xvfb,
            dunst,
            bus_pid,
            display,
            bus,
            _dir: dir,
        };
        assert!(
            wait_until(Duration::from_secs(10), || s
                .dunstctl(&["is-paused"])
                .is_some()),
            "dunst did not take the bus name"
        );
        s
    }

    fn dunstctl(&self, args: &[&str]) -> Option<String> {
        let out = Command::new("dunstctl")
            .args(args)
            .env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    fn displayed(&self) -> usize {
        self.dunstctl(&["count", "displayed"])
            .and_then(|c| c.parse().ok())
            .unwrap_or(usize::MAX)
    }

    /// Closes everything shown and returns the history, newest first, as
    /// (appname, summary, body, timeout in µs).
    fn close_all_and_read_history(&self) -> Vec<(String, String, String, i64)> {
        self.dunstctl(&["close-all"]).expect("dunstctl close-all");
        assert!(wait_until(Duration::from_secs(5), || self.displayed() == 0));
        let json: Value = serde_json::from_str(&self.dunstctl(&["history"]).unwrap()).unwrap();
        json["data"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let s = |k: &str| e[k]["data"].as_str().unwrap_or_default().to_owned();
                (
                    s("appname"),
                    s("summary"),
                    s("body"),
                    e["timeout"]["data"].as_i64().unwrap(),
                )
            })
            .collect()
    }

    fn desktop(&self) -> Desktop {
        Desktop::from_config(&DesktopConfig { enabled: true }, Some(&self.bus)).unwrap()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.dunst.kill();
        let _ = self.dunst.wait();
        if let Some(pid) = self.bus_pid {
            // SAFETY: kill(2) on the bus daemon this session started; no memory is involved.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

fn with_session(session: &str, kind: Kind, title: &str, body: &str) -> Notification {
    let mut n = Notification::new(kind, title, body);
    n.session_id = Some(session.into());
    n
}

#[test]
#[ignore = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)"]
fn each_kind_is_shown_with_its_text_and_urgency() {
    let s = Session::start();
    let d = s.desktop();
    let kinds = [
        (Kind::Progress, "proj: working", 11_000_000),
        (Kind::Done, "proj: done", 12_000_000),
        (Kind::Error, "proj: failed", 0),
        (Kind::NeedsInput, "proj: needs input", 0),
    ];
    for (i, (kind, title, _)) in kinds.iter().enumerate() {
        // Different sessions: nothing replaces anything here.
        let r = d
            .send(&with_session(&format!("s{i}"), *kind, title, "body ✓"))
            .expect(NEEDS);
        assert!(r.request_id.is_some());
    }
    assert!(
        wait_until(Duration::from_secs(5), || s.displayed() == 4),
        "{}",
        s.displayed()
    );
    // dunst orders its history by urgency; compare as sets.
    let mut history = s.close_all_and_read_history();
    history.sort();
    let mut expected: Vec<_> = kinds
        .iter()
        .map(|(_, title, timeout)| {
            (
                "cc-notify".to_owned(),
                title.to_string(),
                "body ✓".to_owned(),
                *timeout,
            )
        })
        .collect();
    expected.sort();
    assert_eq!(history, expected);
}

#[test]
#[ignore = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)"]
fn one_sessions_notifications_replace_each_other_instead_of_stacking() {
    let s = Session::start();
    let d = s.desktop();
    let first = d
        .send(&with_session("a", Kind::Progress, "a: working", "1"))
        .expect(NEEDS);
    let second = d
        .send(&with_session("a", Kind::Done, "a: done", "2"))
        .unwrap();
    d.send(&with_session("b", Kind::Done, "b: done", "3"))
        .unwrap();
    assert_eq!(first.request_id, second.request_id, "replaced, same id");
    assert!(
        wait_until(Duration::from_secs(5), || s.displayed() == 2),
        "{}",
        s.displayed()
    );
    let summaries: Vec<String> = s
        .close_all_and_read_history()
        .into_iter()
        .map(|(_, summary, _, _)| summary)
        .collect();
    assert!(summaries.contains(&"a: done".to_owned()), "{summaries:?}");
    assert!(summaries.contains(&"b: done".to_owned()), "{summaries:?}");
    assert!(
        !summaries.contains(&"a: working".to_owned()),
        "{summaries:?}"
    );
}

#[test]
#[ignore = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)"]
fn separate_processes_replace_through_the_id_or_the_stack_tag() {
    let s = Session::start();
    // Two senders stand for two deliverer processes: no shared memory.
    s.desktop()
        .send(&with_session("c", Kind::Progress, "c: working", "1"))
        .expect(NEEDS);
    // dunst replaces through the stack tag and gives the replacement a new id: the receipt
    // carries the id that is current.
    let r = s
        .desktop()
        .send(&with_session("c", Kind::Done, "c: done", "2"))
        .unwrap();
    let id: u32 = r.request_id.unwrap().parse().unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || s.displayed() == 1),
        "{}",
        s.displayed()
    );
    // A caller that kept the id can also replace explicitly (any spec-conforming daemon).
    let again = s
        .desktop()
        .send_replacing(&Notification::new(Kind::Error, "c: failed", "3"), id)
        .unwrap();
    assert_eq!(again, id);
    assert!(
        wait_until(Duration::from_secs(5), || s.displayed() == 1),
        "{}",
        s.displayed()
    );
    let summaries: Vec<String> = s
        .close_all_and_read_history()
        .into_iter()
        .map(|(_, s, _, _)| s)
        .collect();
    assert_eq!(summaries, ["c: failed"]);
}

#[test]
#[ignore = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)"]
fn server_information_names_the_daemon() {
    let s = Session::start();
    let [name, _vendor, _version, spec] = s.desktop().server_information().expect(NEEDS);
    assert_eq!(name, "dunst");
    assert!(spec.starts_with("1."), "{spec}");
}
