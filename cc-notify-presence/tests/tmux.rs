//! The tmux probe against a real tmux server and a real attached client: a second tmux server
//! plays the user's terminal, its pane running `tmux attach` to the agent's session, and keys
//! are sent to that outer pane as a person would type them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::{now_secs, run, wait_for};
use cc_notify_core::activity::{ActivityProbe, Certainty, Reading};
use cc_notify_core::presence::{PresenceConfig, Reason, Watch, WatchStep};
use cc_notify_presence::TmuxProbe;

const WAIT: Duration = Duration::from_secs(10);

/// Two tmux servers on their own sockets, killed when dropped.
struct Servers {
    _dir: tempfile::TempDir,
    inner: PathBuf,
    outer: PathBuf,
    probe: TmuxProbe,
}

impl Servers {
    fn start() -> Servers {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("inner");
        let outer = dir.path().join("outer");
        run(tmux(&inner).args(["new-session", "-d", "-s", "work", "-x", "80", "-y", "20"]));
        let pane = run(tmux(&inner).args(["display", "-p", "-t", "work", "#{pane_id}"]));
        let pane = String::from_utf8(pane.stdout).unwrap();
        let tmux_env = format!("{},1,0", inner.display());
        let probe = TmuxProbe::from_env(Some(&tmux_env), Some(pane.trim())).unwrap();
        Servers {
            _dir: dir,
            inner,
            outer,
            probe,
        }
    }

    /// The agent's pane id (`$TMUX_PANE`).
    fn probe_pane(&self) -> Option<String> {
        let out = run(tmux(&self.inner).args(["display", "-p", "-t", "work", "#{pane_id}"]));
        Some(String::from_utf8(out.stdout).unwrap().trim().to_owned())
    }

    /// The user's terminal attaches to the agent's session.
    fn attach(&self) {
        let attach = format!(
            "env -u TMUX tmux -S '{}' attach -t work",
            self.inner.display()
        );
        run(tmux(&self.outer).args([
            "new-session",
            "-d",
            "-s",
            "term",
            "-x",
            "80",
            "-y",
            "20",
            &attach,
        ]));
        self.wait_until("a client attached", |r| r.input.is_some());
    }

    /// Keys typed into the user's terminal.
    fn type_keys(&self, keys: &[&str]) {
        run(tmux(&self.outer)
            .args(["send-keys", "-t", "term"])
            .args(keys));
    }

    fn wait_until(&self, what: &str, ok: impl Fn(&Reading) -> bool) -> Reading {
        wait_for(WAIT, what, || Some(self.probe.read()).filter(&ok))
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for socket in [&self.outer, &self.inner] {
            let _ = tmux(socket).arg("kill-server").output();
        }
    }
}

fn tmux(socket: &Path) -> Command {
    let mut c = Command::new("tmux");
    c.arg("-S").arg(socket).env_remove("TMUX");
    c
}

fn last_input(r: &Reading) -> u64 {
    r.input.and_then(|i| i.activity.last_input_ms).unwrap()
}

#[test]
#[ignore = "needs tmux (.ci/presence-setup.sh)"]
fn no_client_attached_is_away_and_an_attached_client_is_not() {
    let s = Servers::start();
    assert_eq!(
        s.probe.read().certainty,
        Certainty::AwayNow("session has no client attached")
    );
    s.attach();
    let r = s.probe.read();
    assert_eq!(r.certainty, Certainty::Nothing);
    let input = r.input.unwrap();
    assert_eq!(
        (input.signal, input.activity.resolution_ms),
        ("client_activity", 1000)
    );
}

#[test]
#[ignore = "needs tmux (.ci/presence-setup.sh)"]
fn a_keystroke_through_the_client_is_input_within_a_second() {
    let s = Servers::start();
    s.attach();
    let before = s.probe.read();
    let mut w = Watch::composite(
        std::slice::from_ref(&before),
        PresenceConfig::default(),
        cc_notify_presence::now_ms(),
        Duration::from_secs(60),
    );
    // client_activity holds whole seconds: type in a later second than the one it shows.
    wait_for(WAIT, "the next second", || {
        (now_secs() > last_input(&before) / 1000).then_some(())
    });
    s.type_keys(&["x"]);
    let after = s.wait_until("client_activity to move", |r| {
        r.input.is_some() && last_input(r) > last_input(&before)
    });
    let step = w.observe_readings(cc_notify_presence::now_ms(), &[after]);
    assert!(matches!(step, WatchStep::Skip { .. }), "{step:?}");
    assert!(
        w.decision()
            .unwrap()
            .to_string()
            .starts_with("present: tmux client_activity")
    );
}

#[test]
#[ignore = "needs tmux (.ci/presence-setup.sh)"]
fn focus_reports_and_another_window_make_the_pane_not_visible() {
    let s = Servers::start();
    s.attach();
    // Without focus-events, focus is not reported: nothing certain.
    s.type_keys(&["-H", "1b", "5b", "4f"]);
    assert_eq!(s.probe.read().certainty, Certainty::Nothing);
    run(tmux(&s.inner).args(["set", "-g", "focus-events", "on"]));
    s.type_keys(&["-H", "1b", "5b", "4f"]); // ESC [ O: focus out
    s.wait_until("focus out", |r| {
        r.certainty == Certainty::NotVisible("the terminal lost focus")
    });
    s.type_keys(&["-H", "1b", "5b", "49"]); // ESC [ I: focus in
    s.wait_until("focus in", |r| r.certainty == Certainty::Nothing);
    run(tmux(&s.inner).args(["new-window", "-t", "work"]));
    s.wait_until("another window", |r| {
        r.certainty == Certainty::NotVisible("another window or pane is on screen")
    });
}

#[test]
#[ignore = "needs tmux (.ci/presence-setup.sh)"]
fn a_detach_is_away_although_its_keys_moved_client_activity() {
    let s = Servers::start();
    s.attach();
    let before = s.probe.read();
    let mut w = Watch::composite(
        std::slice::from_ref(&before),
        PresenceConfig::default(),
        cc_notify_presence::now_ms(),
        Duration::from_secs(60),
    )
    .confirming_input(Duration::from_secs(2));
    wait_for(WAIT, "the next second", || {
        (now_secs() > last_input(&before) / 1000).then_some(())
    });
    // The prefix key alone first, as a person types it: the client reads a key...
    s.type_keys(&["C-b"]);
    let prefix = s.wait_until("the prefix key", |r| {
        r.input.is_some_and(|_| last_input(r) > last_input(&before))
    });
    assert!(matches!(
        w.observe_readings(cc_notify_presence::now_ms(), &[prefix]),
        WatchStep::Wait { .. }
    ));
    // ...then detaches.
    s.type_keys(&["d"]);
    let step = wait_for(WAIT, "a decision", || {
        match w.observe_readings(cc_notify_presence::now_ms(), &[s.probe.read()]) {
            WatchStep::Wait { .. } => None,
            step => Some(step),
        }
    });
    assert_eq!(step, WatchStep::Send);
    assert_eq!(
        w.decision().unwrap().reason,
        Reason::Away {
            probe: "tmux",
            why: "session has no client attached"
        }
    );
}

#[test]
#[ignore = "needs tmux (.ci/presence-setup.sh)"]
fn a_server_that_is_gone_reads_as_unknown() {
    let s = Servers::start();
    run(tmux(&s.inner).arg("kill-server"));
    assert!(matches!(s.probe.read().certainty, Certainty::Unknown(_)));
}

#[test]
#[ignore = "needs tmux (.ci/presence-setup.sh)"]
fn the_live_view_shows_what_tmux_sees() {
    let s = Servers::start();
    let env = cc_notify_presence::Env {
        tmux: Some(format!("{},1,0", s.inner.display())),
        tmux_pane: s.probe_pane(),
        ..Default::default()
    };
    let probes = cc_notify_presence::discover(&env);
    let view = cc_notify_presence::live_view(&probes);
    assert!(
        view.contains("tmux            AWAY now: session has no client attached\n"),
        "{view}"
    );
    assert!(
        view.contains("x11             not available: $DISPLAY not set\n"),
        "{view}"
    );
    assert!(view.ends_with("together        away now (tmux: session has no client attached)\n"));
    s.attach();
    let view = cc_notify_presence::live_view(&probes);
    assert!(view.contains("(client_activity, 1 s resolution)"), "{view}");
    assert!(
        view.contains("together        last input tmux client_activity"),
        "{view}"
    );
}
