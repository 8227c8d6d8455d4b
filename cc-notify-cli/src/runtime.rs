//! What every command needs at run time: the clock, the state dir, the loaded configuration
//! turned into the core's configs, and one way to write the decision log.

use std::time::{SystemTime, UNIX_EPOCH};

use cc_notify_core::decision_log::{self, LogRecord};
use cc_notify_core::engine::EngineConfig;
use cc_notify_core::event::Event;
use cc_notify_core::presence::PresenceConfig;
use cc_notify_core::store::{self, StateDir};
use cc_notify_core::{DecisionKind, Kind};

use crate::config::{self, Config};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A steady clock in ms (from an arbitrary start): `CLOCK_BOOTTIME` on Linux, which never
/// jumps when the wall clock is set and counts the time a suspended machine slept; the
/// monotonic clock elsewhere. What a deliverer's wait runs on
/// ([`cc_notify_core::wait_clock::WaitClock`]).
///
/// Read through libc, whose clock code (and vDSO lookup) the wall clock's reading has already
/// paged in: a waiting deliverer reads it every poll, and its memory is the code it touched.
pub fn steady_ms() -> u64 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let id = libc::CLOCK_BOOTTIME;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let id = libc::CLOCK_MONOTONIC;
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for clock_gettime to write; it fails only for an unknown
    // clock (then `t` stays zero).
    unsafe { libc::clock_gettime(id, &mut t) };
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let ms = u64::try_from(t.tv_nsec / 1_000_000).unwrap_or(0);
    secs.saturating_mul(1000).saturating_add(ms)
}

/// The process environment, as the config loader wants it.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// A stand-in for [`env_var`] holding just `pairs`, for tests.
#[cfg(test)]
pub fn fake_env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}

/// Opens (creating if needed) the state dir; on failure says why on stderr (Claude Code shows
/// hook stderr in its debug output) and gives `None`.
pub fn open_state_dir() -> Option<StateDir> {
    let Some(path) = store::state_dir_from_env() else {
        eprintln!("cc-notify: no state directory: set CC_NOTIFY_STATE_DIR or HOME");
        return None;
    };
    match StateDir::open(&path) {
        Ok(dir) => Some(dir),
        Err(e) => {
            eprintln!("cc-notify: {e}");
            None
        }
    }
}

/// Appends to the decision log; a failure goes to stderr (there is nowhere else).
pub fn log(dir: &StateDir, record: LogRecord) {
    if let Err(e) = decision_log::append(dir, &record) {
        eprintln!("cc-notify: cannot write the decision log: {e}");
    }
}

/// The loaded configuration and what the core makes of it.
pub struct Runtime {
    /// The configuration (defaults when the file is missing or broken).
    pub config: Config,
    /// The turn engine's settings.
    pub engine: EngineConfig,
    /// The deliverer's presence settings.
    pub presence: PresenceConfig,
}

impl Runtime {
    /// Builds the runtime from a configuration.
    pub fn from_config(config: Config) -> Self {
        let engine = config.engine.clone();
        let presence = config.presence;
        Runtime {
            config,
            engine,
            presence,
        }
    }

    /// Loads the configuration for the hook or the deliverer: a broken file is logged and
    /// replaced by defaults, so Claude Code is never affected.
    pub fn load_for_hook(dir: &StateDir, now: u64, event: Option<&Event>) -> Runtime {
        let config = match config::config_path() {
            None => Config::default(),
            Some(path) => match config::load(&path, &env_var) {
                Ok(loaded) => loaded.config,
                Err(e) => {
                    let mut rec = LogRecord::new(
                        now,
                        DecisionKind::Error,
                        format!("config error, using defaults: {e}"),
                    );
                    if let Some(ev) = event {
                        rec.session = Some(ev.session_id.clone());
                        rec.event = Some(ev.name().to_owned());
                    }
                    log(dir, rec);
                    Config::default()
                }
            },
        };
        Runtime::from_config(config)
    }
}

/// A log record about `event`.
pub fn record(
    event: &Event,
    decision: DecisionKind,
    kind: Option<Kind>,
    reason: String,
) -> LogRecord {
    let mut rec = LogRecord::new(now_ms(), decision, reason);
    rec.session = Some(event.session_id.clone());
    rec.agent = Some(event.agent);
    rec.event = Some(event.name().to_owned());
    rec.kind = kind;
    rec
}

/// Logs a decision about `event`.
pub fn log_event(
    dir: &StateDir,
    event: &Event,
    decision: DecisionKind,
    kind: Option<Kind>,
    reason: String,
) {
    log(dir, record(event, decision, kind, reason));
}
