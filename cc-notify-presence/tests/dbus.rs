//! The D-Bus probes against a real bus (a private dbus-daemon) and python3-dbusmock's stand-ins:
//! its logind template for `LockedHint`, a Mutter IdleMonitor object and its gnome_screensaver
//! template for GNOME.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{Daemon, run, wait_for};
use cc_notify_core::activity::{ActivityProbe, Certainty};
use cc_notify_core::presence::{PresenceConfig, Watch, WatchStep};
use cc_notify_presence::{GnomeProbe, LogindProbe, now_ms};

const WAIT: Duration = Duration::from_secs(15);

/// A private bus; its address.
fn bus(dir: &tempfile::TempDir) -> (Daemon, String) {
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .arg(format!(
            "--address=unix:path={}",
            dir.path().join("bus").display()
        ))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon (.ci/presence-setup.sh)");
    let mut address = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut address)
        .unwrap();
    (Daemon(child), address.trim().to_owned())
}

/// `python3 -m dbusmock ARGS` on the bus at `address` (as the system bus with `--system`).
fn dbusmock(address: &str, args: &[&str]) -> Daemon {
    Daemon(
        Command::new("/usr/bin/python3")
            .args(["-m", "dbusmock"])
            .args(args)
            .env("DBUS_SYSTEM_BUS_ADDRESS", address)
            .env("DBUS_SESSION_BUS_ADDRESS", address)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3-dbusmock (.ci/presence-setup.sh)"),
    )
}

/// `busctl --address=ADDRESS call ARGS`, retried until the service answers.
fn call_when_up(address: &str, args: &[&str]) {
    wait_for(WAIT, "the mock service", || {
        Command::new("busctl")
            .arg(format!("--address={address}"))
            .arg("call")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
    });
}

fn busctl(address: &str, args: &[&str]) {
    run(Command::new("busctl")
        .arg(format!("--address={address}"))
        .arg("call")
        .args(args));
}

const LOGIN1: &str = "org.freedesktop.login1";

#[test]
#[ignore = "needs dbus-daemon, busctl and python3-dbusmock (.ci/presence-setup.sh)"]
fn logind_locked_hint_is_away_now() {
    let dir = tempfile::tempdir().unwrap();
    let (_bus, address) = bus(&dir);
    let mock = dbusmock(&address, &["--system", "--template", "logind"]);
    call_when_up(
        &address,
        &[
            LOGIN1,
            "/org/freedesktop/login1",
            "org.freedesktop.DBus.Mock",
            "AddSession",
            "ssusb",
            "c1",
            "seat0",
            "1000",
            "dev",
            "true",
        ],
    );
    let probe = LogindProbe::from_env(Some(&address), Some("c1"), None).unwrap();
    let open = probe.read();
    assert_eq!(open.certainty, Certainty::Nothing);
    assert_eq!(open.input, None);
    let mut w = Watch::composite(
        &[open],
        PresenceConfig::default(),
        now_ms(),
        Duration::from_secs(60),
    );
    busctl(
        &address,
        &[
            LOGIN1,
            "/org/freedesktop/login1/session/c1",
            "org.freedesktop.login1.Session",
            "SetLockedHint",
            "b",
            "true",
        ],
    );
    let locked = probe.read();
    assert_eq!(
        locked.certainty,
        Certainty::AwayNow("session locked (LockedHint)")
    );
    assert_eq!(w.observe_readings(now_ms(), &[locked]), WatchStep::Send);
    assert_eq!(
        w.decision().unwrap().to_string(),
        "away: logind session locked (LockedHint)"
    );

    // Found from the agent's pid instead of $XDG_SESSION_ID.
    busctl(
        &address,
        &[
            LOGIN1,
            "/org/freedesktop/login1",
            "org.freedesktop.DBus.Mock",
            "AddMethod",
            "sssss",
            "org.freedesktop.login1.Manager",
            "GetSessionByPID",
            "u",
            "o",
            "ret = '/org/freedesktop/login1/session/c1'",
        ],
    );
    let by_pid = LogindProbe::from_env(Some(&address), None, Some(4242)).unwrap();
    assert!(matches!(by_pid.read().certainty, Certainty::AwayNow(_)));

    // No such session, then no logind at all: unknown, not away.
    let other = LogindProbe::from_env(Some(&address), Some("c9"), None).unwrap();
    assert!(matches!(other.read().certainty, Certainty::Unknown(_)));
    drop(mock);
    wait_for(WAIT, "logind to be gone", || {
        matches!(probe.read().certainty, Certainty::Unknown(_)).then_some(())
    });
}

const MUTTER: &str = "org.gnome.Mutter.IdleMonitor";
const CORE: &str = "/org/gnome/Mutter/IdleMonitor/Core";

fn set_idletime(address: &str, ms: u64) {
    busctl(
        address,
        &[
            MUTTER,
            CORE,
            "org.freedesktop.DBus.Mock",
            "AddMethod",
            "sssss",
            "",
            "GetIdletime",
            "",
            "t",
            &format!("ret = {ms}"),
        ],
    );
}

#[test]
#[ignore = "needs dbus-daemon, busctl and python3-dbusmock (.ci/presence-setup.sh)"]
fn gnome_idle_time_is_input_and_its_lock_screen_is_away() {
    let dir = tempfile::tempdir().unwrap();
    let (_bus, address) = bus(&dir);
    let _mutter = dbusmock(&address, &["--session", MUTTER, CORE, MUTTER]);
    call_when_up(
        &address,
        &[
            MUTTER,
            CORE,
            "org.freedesktop.DBus.Mock",
            "AddMethod",
            "sssss",
            "",
            "GetIdletime",
            "",
            "t",
            "ret = 7000",
        ],
    );
    let probe = GnomeProbe::from_env(Some(&address)).unwrap();
    assert_eq!(probe.idle_ms(), Ok(7000));
    // No lock screen service: the idle time alone is read.
    let before = probe.read();
    assert_eq!(before.certainty, Certainty::Nothing);
    let last = before.input.unwrap().activity.last_input_ms.unwrap();
    assert!(now_ms().abs_diff(last + 7000) < 1000, "last input {last}");

    let mut w = Watch::composite(
        &[before],
        PresenceConfig::default(),
        now_ms(),
        Duration::from_secs(60),
    );
    set_idletime(&address, 10);
    let step = w.observe_readings(now_ms(), &[probe.read()]);
    assert!(matches!(step, WatchStep::Skip { .. }), "{step:?}");
    assert!(
        w.decision()
            .unwrap()
            .to_string()
            .starts_with("present: gnome Mutter IdleMonitor")
    );

    let _screensaver = dbusmock(&address, &["--session", "--template", "gnome_screensaver"]);
    call_when_up(
        &address,
        &[
            "org.gnome.ScreenSaver",
            "/org/gnome/ScreenSaver",
            "org.gnome.ScreenSaver",
            "GetActive",
        ],
    );
    assert_eq!(probe.locked(), Ok(false));
    busctl(
        &address,
        &[
            "org.gnome.ScreenSaver",
            "/org/gnome/ScreenSaver",
            "org.gnome.ScreenSaver",
            "SetActive",
            "b",
            "true",
        ],
    );
    assert_eq!(
        probe.read().certainty,
        Certainty::AwayNow("screen locked (org.gnome.ScreenSaver)")
    );
}
