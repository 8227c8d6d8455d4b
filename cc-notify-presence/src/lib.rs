//! # cc-notify-presence
//!
//! The presence probes of [cc-notify](https://github.com/cc-notify/cc-notify), each an
//! [`ActivityProbe`]: **tmux** (`client_activity` at 1 s, attached or not, pane visible,
//! focus), **X11** idle (MIT-SCREEN-SAVER), **GNOME** (Mutter's idle counter, the lock
//! screen), **logind** (`LockedHint`) and Claude Code's **sessions registry**. The terminal's
//! own probe (the pty's access time) lives in `cc_notify_core::tty`.
//!
//! Every probe reads only what the environment names (`$TMUX`, `$DISPLAY`, the buses), answers
//! within a second and reads as "unknown" when it cannot tell — never as a wrong answer. The
//! rule that combines their readings is `cc_notify_core::presence::rule`. Probes are slow next
//! to the hook's budget (a tmux exec is 3–6 ms): they belong in the delivery process.
//!
//! [`discover`] finds the probes an environment offers; [`read_all`] reads them together;
//! [`live_view`] formats what each one sees now.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use cc_notify_core::activity::{ActivityProbe, Certainty, Reading};
use cc_notify_core::presence::rule::{self, Baselines, Verdict, ago_text};

pub mod bounded;
pub mod dbus;
pub mod gnome;
pub mod logind;
pub mod sessions;
pub mod tmux;
pub mod watcher;
pub mod x11;

pub use gnome::GnomeProbe;
pub use logind::LogindProbe;
pub use sessions::ClaudeSessionProbe;
pub use tmux::TmuxProbe;
pub use watcher::{Waiting, Watcher};
pub use x11::X11Probe;

/// The wall clock in Unix ms.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What the probes may read: the values of the environment the agent passed to its hooks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    /// The user's terminal device (see `cc_notify_core::tty::find_user_terminal`).
    pub tty: Option<PathBuf>,
    /// `$TMUX`.
    pub tmux: Option<String>,
    /// `$TMUX_PANE`.
    pub tmux_pane: Option<String>,
    /// `$DISPLAY`.
    pub display: Option<String>,
    /// `$DBUS_SESSION_BUS_ADDRESS`.
    pub session_bus: Option<String>,
    /// `$DBUS_SYSTEM_BUS_ADDRESS`.
    pub system_bus: Option<String>,
    /// `$XDG_SESSION_ID`.
    pub xdg_session_id: Option<String>,
    /// `$CLAUDE_PID`: the agent's process.
    pub claude_pid: Option<u32>,
    /// `$CLAUDE_CONFIG_DIR`.
    pub claude_config_dir: Option<PathBuf>,
    /// `$HOME`.
    pub home: Option<PathBuf>,
    /// The agent's session id, to check the registry entry is this session's.
    pub session_id: Option<String>,
}

impl Env {
    /// This process's environment, and the terminal found from it.
    pub fn from_process() -> Env {
        let env = Env::from_vars();
        Env {
            tty: cc_notify_core::tty::find_user_terminal(env.claude_pid),
            ..env
        }
    }

    /// This process's environment variables alone: no terminal search (`tty` is `None`).
    pub fn from_vars() -> Env {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        let claude_pid = var("CLAUDE_PID").and_then(|p| p.parse().ok());
        Env {
            tty: None,
            tmux: var("TMUX"),
            tmux_pane: var("TMUX_PANE"),
            display: var("DISPLAY"),
            session_bus: var("DBUS_SESSION_BUS_ADDRESS"),
            system_bus: var("DBUS_SYSTEM_BUS_ADDRESS"),
            xdg_session_id: var("XDG_SESSION_ID"),
            claude_pid,
            claude_config_dir: var("CLAUDE_CONFIG_DIR").map(PathBuf::from),
            home: var("HOME").map(PathBuf::from),
            session_id: None,
        }
    }
}

/// Whether this process's environment offers any probe besides the terminal (and the sessions
/// registry): tmux, a display, a session or system bus. Environment lookups and one `stat`, so a
/// caller with only a terminal can skip everything else.
pub fn beyond_the_terminal() -> bool {
    let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    (set("TMUX") && set("TMUX_PANE"))
        || set("DISPLAY")
        || set("DBUS_SESSION_BUS_ADDRESS")
        || set("DBUS_SYSTEM_BUS_ADDRESS")
        || std::path::Path::new(logind::SYSTEM_BUS_SOCKET).exists()
}

/// A probe that can be shared with the threads that read it.
pub type Probe = Box<dyn ActivityProbe + Send + Sync>;

/// The probes an environment offers, and the ones it does not (with why).
pub struct Probes {
    /// The probes to read.
    pub present: Vec<Probe>,
    /// `(probe, why not)` for each one the environment does not offer.
    pub absent: Vec<(&'static str, &'static str)>,
}

/// Finds the probes `env` offers.
pub fn discover(env: &Env) -> Probes {
    let mut present: Vec<Probe> = Vec::new();
    let mut absent = Vec::new();
    let mut offer = |name, probe: Option<Probe>, why| match probe {
        Some(p) => present.push(p),
        None => absent.push((name, why)),
    };
    offer(
        "pty",
        env.tty
            .clone()
            .map(|t| Box::new(cc_notify_core::TtyProbe::new(t)) as Probe),
        "no terminal found",
    );
    offer(
        "tmux",
        TmuxProbe::from_env(env.tmux.as_deref(), env.tmux_pane.as_deref())
            .map(|p| Box::new(p) as Probe),
        "not inside tmux ($TMUX, $TMUX_PANE)",
    );
    offer(
        "x11",
        X11Probe::from_env(env.display.as_deref()).map(|p| Box::new(p) as Probe),
        "$DISPLAY not set",
    );
    offer(
        "gnome",
        GnomeProbe::from_env(env.session_bus.as_deref()).map(|p| Box::new(p) as Probe),
        "$DBUS_SESSION_BUS_ADDRESS not set",
    );
    offer(
        "logind",
        LogindProbe::from_env(
            env.system_bus.as_deref(),
            env.xdg_session_id.as_deref(),
            env.claude_pid,
        )
        .map(|p| Box::new(p) as Probe),
        "no system bus",
    );
    offer(
        "claude-session",
        ClaudeSessionProbe::from_env(
            env.claude_config_dir.as_deref(),
            env.home.as_deref(),
            env.claude_pid,
            env.session_id.as_deref(),
        )
        .map(|p| Box::new(p) as Probe),
        "no $CLAUDE_PID",
    );
    Probes { present, absent }
}

/// Reads every probe at once (each on its own thread, each bounded), in `probes`' order. A
/// single probe is read on this thread.
pub fn read_all(probes: &[Probe]) -> Vec<Reading> {
    if let [one] = probes {
        return vec![one.read()];
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = probes.iter().map(|p| s.spawn(|| p.read())).collect();
        handles
            .into_iter()
            .zip(probes)
            .map(|(h, p)| {
                h.join()
                    .unwrap_or_else(|_| Reading::unknown(p.name(), "the probe failed"))
            })
            .collect()
    })
}

/// One line per probe saying what it sees now, then what they say together, e.g.
/// `tmux            last input 2 s ago (client_activity, 1 s resolution)`.
pub fn live_view(probes: &Probes) -> String {
    let readings = read_all(&probes.present);
    describe(&readings, &probes.absent, now_ms())
}

/// [`live_view`] for given readings at `now_ms`.
pub fn describe(
    readings: &[Reading],
    absent: &[(&'static str, &'static str)],
    now_ms: u64,
) -> String {
    let mut out = String::new();
    for r in readings {
        let mut parts = Vec::new();
        if let Some(input) = &r.input
            && let Some(last) = input.activity.last_input_ms
        {
            let res = input.activity.resolution_ms;
            let res = if res >= 1000 {
                format!("{} s", res / 1000)
            } else {
                format!("{res} ms")
            };
            parts.push(format!(
                "last input {} ago ({}, {res} resolution)",
                ago_text(now_ms.saturating_sub(last)),
                input.signal
            ));
        }
        match &r.certainty {
            Certainty::Nothing if parts.is_empty() => parts.push("no input time".into()),
            Certainty::Nothing => {}
            Certainty::AwayNow(why) => parts.push(format!("AWAY now: {why}")),
            Certainty::NotVisible(why) => parts.push(format!("not visible: {why}")),
            Certainty::Unknown(why) => parts.push(format!("unknown: {why}")),
        }
        out.push_str(&format!("{:<15} {}\n", r.probe, parts.join("; ")));
    }
    for (name, why) in absent {
        out.push_str(&format!("{name:<15} not available: {why}\n"));
    }
    let mut baselines = Baselines::default();
    baselines.fill(readings);
    let together = match rule::judge(&baselines, readings) {
        Verdict::Away { probe, why } => format!("away now ({probe}: {why})"),
        Verdict::Present(e) | Verdict::Idle { sharpest: Some(e) } => {
            format!("last input {}", e.describe(now_ms))
        }
        Verdict::Idle { sharpest: None } => "no input time: no typing check possible".into(),
    };
    out.push_str(&format!("{:<15} {together}\n", "together"));
    out
}

#[cfg(test)]
mod tests {
    use cc_notify_core::activity::{Activity, Input};

    use super::*;

    #[test]
    fn the_environment_decides_which_probes_are_read() {
        let none = discover(&Env::default());
        assert!(none.present.is_empty());
        let names: Vec<_> = none.absent.iter().map(|(n, _)| *n).collect();
        assert!(names.contains(&"tmux") && names.contains(&"x11") && names.contains(&"pty"));
        let env = Env {
            tmux: Some("/tmp/tmux-0/default,1,0".into()),
            tmux_pane: Some("%1".into()),
            display: Some(":5".into()),
            claude_pid: Some(4),
            home: Some("/home/u".into()),
            ..Env::default()
        };
        let found: Vec<_> = discover(&env).present.iter().map(|p| p.name()).collect();
        assert!(
            found.contains(&"tmux") && found.contains(&"x11") && found.contains(&"claude-session")
        );
    }

    #[test]
    fn the_view_names_each_probe_and_what_decides() {
        let readings = [
            Reading {
                probe: "tmux",
                input: Some(Input {
                    signal: "client_activity",
                    activity: Activity {
                        last_input_ms: Some(98_000),
                        resolution_ms: 1000,
                    },
                    jitter_ms: 0,
                }),
                certainty: Certainty::NotVisible("the terminal lost focus"),
            },
            Reading::unknown("x11", "cannot open display :9"),
        ];
        let view = describe(
            &readings,
            &[("gnome", "$DBUS_SESSION_BUS_ADDRESS not set")],
            100_000,
        );
        assert_eq!(
            view,
            "tmux            last input 2 s ago (client_activity, 1 s resolution); not visible: the terminal lost focus\n\
             x11             unknown: cannot open display :9\n\
             gnome           not available: $DBUS_SESSION_BUS_ADDRESS not set\n\
             together        last input tmux client_activity 2 s ago (1 s resolution)\n"
        );
    }
}
