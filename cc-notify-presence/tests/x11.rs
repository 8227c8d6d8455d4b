//! The X11 probe against a real X server (Xvfb, started with `-noreset` so that a probe
//! disconnecting does not reset its idle counter) and real input from xdotool.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{Daemon, run, wait_for};
use cc_notify_core::activity::{ActivityProbe, Certainty};
use cc_notify_core::presence::{PresenceConfig, Watch, WatchStep};
use cc_notify_presence::{X11Probe, now_ms};

const WAIT: Duration = Duration::from_secs(10);

/// An Xvfb on a free display number, and the probe of it.
fn xvfb() -> (Daemon, String, X11Probe) {
    let n = (90..200)
        .find(|n| !std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
        .expect("a free display number");
    let display = format!(":{n}");
    let child = Command::new("Xvfb")
        .args([
            &display,
            "-screen",
            "0",
            "640x480x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb (.ci/presence-setup.sh)");
    let probe = X11Probe::from_env(Some(&display)).unwrap();
    wait_for(WAIT, "Xvfb to accept connections", || probe.idle_ms().ok());
    (Daemon(child), display, probe)
}

fn xdotool(display: &str, args: &[&str]) {
    run(Command::new("xdotool").args(args).env("DISPLAY", display));
}

#[test]
#[ignore = "needs Xvfb and xdotool (.ci/presence-setup.sh)"]
fn idle_grows_while_nothing_happens_and_input_resets_it() {
    let (_x, display, probe) = xvfb();
    let first = probe.idle_ms().unwrap();
    // Readings do not reset the counter (-noreset): it keeps growing.
    let later = wait_for(WAIT, "the idle time to grow by 500 ms", || {
        probe.idle_ms().ok().filter(|&i| i >= first + 500)
    });
    let before = probe.read();
    assert_eq!(before.certainty, Certainty::Nothing);
    let mut w = Watch::composite(
        &[before],
        PresenceConfig::default(),
        now_ms(),
        Duration::from_secs(60),
    );
    xdotool(&display, &["mousemove", "10", "10"]);
    let idle = wait_for(WAIT, "input to reset the idle time", || {
        probe.idle_ms().ok().filter(|&i| i < later)
    });
    assert!(idle < 1_000, "idle {idle} ms right after input");
    let step = w.observe_readings(now_ms(), &[probe.read()]);
    assert!(matches!(step, WatchStep::Skip { .. }), "{step:?}");
    assert!(
        w.decision()
            .unwrap()
            .to_string()
            .starts_with("present: x11 idle")
    );
}

#[test]
#[ignore = "needs Xvfb and xdotool (.ci/presence-setup.sh)"]
fn a_key_is_input_and_no_input_is_not() {
    let (_x, display, probe) = xvfb();
    let before = probe.read();
    let mut w = Watch::composite(
        &[before],
        PresenceConfig::default(),
        now_ms(),
        Duration::from_secs(60),
    );
    // Readings alone, for longer than the jitter allowed between them, are not input.
    let start = now_ms();
    wait_for(WAIT, "a second of readings", || {
        let step = w.observe_readings(now_ms(), &[probe.read()]);
        assert!(
            matches!(step, WatchStep::Wait { .. }),
            "{step:?} without input"
        );
        (now_ms() > start + 1_000).then_some(())
    });
    xdotool(&display, &["key", "shift"]);
    wait_for(WAIT, "the key to count as input", || {
        matches!(
            w.observe_readings(now_ms(), &[probe.read()]),
            WatchStep::Skip { .. }
        )
        .then_some(())
    });
}
