//! [`Watcher`]: one scheduled push's presence watch over every probe the environment offers —
//! what the delivery process polls while it waits.

use std::time::Duration;

use cc_notify_core::activity::{Activity, Reading};
use cc_notify_core::presence::{Decision, PresenceConfig, Watch, WatchStep};

use crate::{ClaudeSessionProbe, Env, Probe, discover, read_all};

/// How long input must go unanswered by an "away" before it skips the push, when a probe can
/// see the user leave (a tmux detach and a screen lock both start with keys).
pub const CONFIRM_INPUT: Duration = Duration::from_secs(2);

/// What kind of push is watched, as far as presence cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// The agent finished (or failed): the policy's delay.
    Done,
    /// The agent waits for an answer: a shorter delay once a sharp probe watches, and the
    /// push is worth sending only while the agent still waits.
    NeedsInput,
}

/// A push's presence watch over every probe.
pub struct Watcher {
    probes: Vec<Probe>,
    watch: Watch,
    session: Option<ClaudeSessionProbe>,
    last: Vec<Reading>,
}

impl Watcher {
    /// Watches a push scheduled at `scheduled_ms` to wait `delay` (a Needs-input push:
    /// `cfg.needs_input_delay` once a sharp probe watches, when shorter). `env` is the hook's
    /// environment; `baseline` the terminal's reading when the push was scheduled (`None`: no
    /// terminal check, as before). Other probes take their first reading as their baseline.
    pub fn new(
        env: &Env,
        baseline: Option<Activity>,
        cfg: PresenceConfig,
        scheduled_ms: u64,
        delay: Duration,
        waiting: Waiting,
    ) -> Watcher {
        let mut probes = discover(env).present;
        // The registry is the agent's state, not the user's presence: it is asked whether a
        // Needs-input push is still wanted ([`Watcher::still_waiting`]), never for input.
        probes
            .retain(|p| p.name() != "claude-session" && (baseline.is_some() || p.name() != "pty"));
        let sees_leaving = probes
            .iter()
            .any(|p| matches!(p.name(), "tmux" | "gnome" | "logind"));
        let start: Vec<Reading> = baseline
            .map(|a| cc_notify_core::presence::pty_reading(Some(a)))
            .into_iter()
            .collect();
        let mut watch = Watch::composite(&start, cfg, scheduled_ms, delay);
        if sees_leaving {
            watch = watch.confirming_input(CONFIRM_INPUT);
        }
        if waiting == Waiting::NeedsInput {
            watch = watch.shortened_when_sharp(cfg.needs_input_delay);
        }
        let session = ClaudeSessionProbe::from_env(
            env.claude_config_dir.as_deref(),
            env.home.as_deref(),
            env.claude_pid,
            env.session_id.as_deref(),
        );
        Watcher {
            probes,
            watch,
            session,
            last: Vec::new(),
        }
    }

    /// Reads every probe now and feeds the watch.
    pub fn poll(&mut self, now_ms: u64) -> WatchStep {
        self.last = read_all(&self.probes);
        self.watch.observe_readings(now_ms, &self.last)
    }

    /// Reads every probe now, without feeding the watch (for a reminder after it ended).
    pub fn read(&mut self) -> Vec<Reading> {
        self.last = read_all(&self.probes);
        self.last.clone()
    }

    /// Why the watch ended ("present: tmux client_activity 2 s ago (1 s resolution)").
    pub fn decision(&self) -> Option<Decision> {
        self.watch.decision()
    }

    /// The last poll's readings.
    pub fn readings(&self) -> &[Reading] {
        &self.last
    }

    /// The probes read, by name.
    pub fn probe_names(&self) -> Vec<&'static str> {
        self.probes.iter().map(|p| p.name()).collect()
    }

    /// `Some(false)` when Claude Code's sessions registry says the agent no longer waits for
    /// the user (a Needs-input push is then moot); `None` when it cannot tell.
    pub fn still_waiting(&self) -> Option<bool> {
        self.session.as_ref()?.still_waiting()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_baseline_the_terminal_is_not_watched_as_before() {
        let env = Env {
            tty: Some("/dev/null".into()),
            ..Env::default()
        };
        let w = Watcher::new(
            &env,
            None,
            PresenceConfig::default(),
            0,
            Duration::ZERO,
            Waiting::Done,
        );
        assert!(w.probe_names().is_empty());
        let w = Watcher::new(
            &env,
            Some(Activity::default()),
            PresenceConfig::default(),
            0,
            Duration::ZERO,
            Waiting::Done,
        );
        assert_eq!(w.probe_names(), ["pty"]);
    }
}
