//! [`DunstSession`]: a real notification daemon for tests — dunst on a headless X server
//! (Xvfb) with a private session bus (dbus-launch), read back with `dunstctl`. Install the
//! programs with `.ci/desktop-setup.sh`; tests using it are `#[ignore]`d unless asked for.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

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
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
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
pub struct DunstSession {
    xvfb: Child,
    dunst: Child,
    bus_pid: Option<i32>,
    display: String,
    /// The bus address (`DBUS_SESSION_BUS_ADDRESS`) where dunst serves notifications.
    pub bus: String,
    _dir: tempfile::TempDir,
}

impl DunstSession {
    /// Starts Xvfb on a free display, a private bus and dunst on it; panics when they do not
    /// come up (the test then says what it needs).
    pub fn start() -> DunstSession {
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
        let s = DunstSession {
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

    /// Runs `dunstctl ARGS` against this session; its trimmed stdout when it succeeds.
    pub fn dunstctl(&self, args: &[&str]) -> Option<String> {
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

    /// How many notifications are on screen now.
    pub fn displayed(&self) -> usize {
        self.dunstctl(&["count", "displayed"])
            .and_then(|c| c.parse().ok())
            .unwrap_or(usize::MAX)
    }

    /// Closes everything shown and returns the history, newest first, as
    /// (appname, summary, body, timeout in µs).
    pub fn close_all_and_read_history(&self) -> Vec<(String, String, String, i64)> {
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
}

impl Drop for DunstSession {
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
