//! A logind of the test's own: a private dbus-daemon used as the system bus, with
//! python3-dbusmock's logind template on it and one session, `c1`, whose `LockedHint` the test
//! sets. Needs dbus-daemon, busctl and python3-dbusmock (`.ci/presence-setup.sh`). Both
//! processes are killed on drop.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::harness::wait_for;

const LOGIN1: &str = "org.freedesktop.login1";
/// The session the stand-in holds; give the agent `XDG_SESSION_ID` = this.
pub const SESSION: &str = "c1";

/// The private system bus and its logind stand-in.
pub struct Logind {
    bus: Child,
    mock: Child,
    /// The bus address, for `DBUS_SYSTEM_BUS_ADDRESS`.
    pub address: String,
}

impl Logind {
    /// Starts the bus in `dir` and the stand-in, and waits until session [`SESSION`] exists.
    pub fn start(dir: &Path) -> Self {
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!(
                "--address=unix:path={}",
                dir.join("system_bus").display()
            ))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run dbus-daemon (.ci/presence-setup.sh): {e}"));
        let mut address = String::new();
        let stdout = bus.stdout.take().expect("dbus-daemon's address");
        BufReader::new(stdout)
            .read_line(&mut address)
            .expect("dbus-daemon's address");
        let address = address.trim().to_owned();
        let mock = Command::new("/usr/bin/python3")
            .args(["-m", "dbusmock", "--system", "--template", "logind"])
            .env("DBUS_SYSTEM_BUS_ADDRESS", &address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run python3-dbusmock (.ci/presence-setup.sh): {e}"));
        let logind = Logind { bus, mock, address };
        let added = wait_for(Duration::from_secs(20), || {
            logind.busctl(&[
                "/org/freedesktop/login1",
                "org.freedesktop.DBus.Mock",
                "AddSession",
                "ssusb",
                SESSION,
                "seat0",
                "1000",
                "dev",
                "true",
            ])
        });
        assert!(added, "the logind stand-in never answered");
        logind
    }

    /// What the agent's environment needs to find the session.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DBUS_SYSTEM_BUS_ADDRESS", self.address.clone()),
            ("XDG_SESSION_ID", SESSION.to_owned()),
        ]
    }

    /// Locks the session (logind's `LockedHint`, as a desktop's lock screen sets it).
    pub fn lock(&self) {
        let path = format!("/org/freedesktop/login1/session/{SESSION}");
        let locked = self.busctl(&[
            &path,
            "org.freedesktop.login1.Session",
            "SetLockedHint",
            "b",
            "true",
        ]);
        assert!(locked, "SetLockedHint failed");
    }

    /// `busctl call` on logind; whether it succeeded.
    fn busctl(&self, args: &[&str]) -> bool {
        Command::new("busctl")
            .arg(format!("--address={}", self.address))
            .arg("call")
            .arg(LOGIN1)
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    }
}

impl Drop for Logind {
    fn drop(&mut self) {
        for child in [&mut self.mock, &mut self.bus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
