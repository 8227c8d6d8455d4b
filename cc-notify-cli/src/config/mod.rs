//! The config file: where it is ([`locate`]), what it configures ([`model`]: the core's and
//! the notifier's own types), how it is written ([`raw`]) and read ([`load`]), with errors
//! that point at the file, line, column and key ([`error`]).
//!
//! ```toml
//! [pushover]          # cc_notify_pushover::PushoverConfig; token/user may come from the env
//! token = "..."
//! user = "..."
//! # ... and its [pushover.sounds] and [pushover.priorities] per kind (progress = -2)
//!
//! [timing]
//! bands = [[60, 20], [120, 15], [300, 10]]  # turn shorter than N s -> wait M s
//! typing_window = 10   # seconds; clamped to the terminal probe's 8 s resolution
//! grace = 15           # seconds of watching the terminal after the delay
//! rate_limit = 5       # minimum seconds between two Done pushes of one session
//! needs_input_delay = 5  # seconds a Needs-input push waits once a sharp probe watches
//! reminder_after = 120 # seconds without input after a typing skip before the reminder
//! reminder_for = 1800  # seconds the reminder watch lasts; 0: no reminders
//!
//! [sessions]
//! headless = "skip"    # "skip" | "notify"
//!
//! [progress]
//! enabled = false
//! min_interval = 0     # seconds between two progress pushes (coalesced)
//! # their priority is [pushover.priorities] progress
//!
//! [privacy]
//! redact = true
//!
//! [delivery]
//! outbox_max_age = 3600  # seconds a failed push is kept for a retry
//! retries = 3           # retries after a temporary failure: 5 s, 10 s, 20 s, … apart
//!
//! # the other backends: cc_notify_backends' own config structs; configured once their
//! # required keys are set (tokens may come from the env)
//! [ntfy]               # url, topic, token
//! [desktop]            # enabled
//! [telegram]           # bot_token, chat_id, api_url
//! [webhook]            # url, format
//! [command]            # argv
//! [routing]            # kind -> backends; checked against the configured backends at load
//! [approvals]         # approvals::Approvals: permission dialogs answered from the phone
//! enabled = false
//! via = "ntfy"
//! timeout = 120
//! [quiet]
//! hours = "22:00-07:00"            # local time; may cross midnight; none by default
//! allow = ["error", "needs_input"] # kinds still sent during quiet hours; none by default
//! ```

pub mod approvals;
pub mod error;
pub mod locate;
pub mod model;
pub mod raw;
#[cfg(test)]
mod tests;

use std::io;
use std::path::{Path, PathBuf};

use raw::parse;

pub use error::ConfigError;
pub use locate::{TOKEN_VARS, USER_VARS, config_path, config_path_in};
pub use model::{BACKENDS, Config, Delivery};
pub use raw::{MAX_RETRIES, MAX_SECS};

/// A loaded configuration and what `doctor` should know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The configuration (defaults where the file is silent or missing).
    pub config: Config,
    /// The file that was read.
    pub path: PathBuf,
    /// Whether the file existed; a missing file means all defaults.
    pub existed: bool,
    /// Accepted but questionable settings, each naming its key.
    pub warnings: Vec<String>,
}

/// Whether only the owner may read the file (`mode & 0o077 == 0`).
pub fn is_private(path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 == 0)
}

/// What `send` and `doctor` say about a config file other users may read.
pub fn readable_warning(path: &Path) -> String {
    format!(
        "config {} is readable by other users and may hold your Pushover token; \
         fix: chmod 600 {}",
        path.display(),
        path.display()
    )
}

/// Loads the config for an interactive command (`send`, `doctor`…) from [`config_path`] and
/// the process environment; prints the warnings (and one about a file other users may read), or the error and gives exit
/// code 1.
pub fn load_interactive() -> Result<Config, std::process::ExitCode> {
    let env = |name: &str| std::env::var(name).ok();
    let Some(path) = config_path() else {
        let mut config = Config::default();
        apply_env(&mut config, &env);
        return Ok(config);
    };
    match load(&path, &env) {
        Ok(loaded) => {
            for w in &loaded.warnings {
                eprintln!("cc-notify: warning: {}: {w}", path.display());
            }
            if loaded.existed && matches!(is_private(&path), Ok(false)) {
                eprintln!("cc-notify: warning: {}", readable_warning(&path));
            }
            Ok(loaded.config)
        }
        Err(e) => {
            eprintln!("cc-notify: {e}");
            Err(std::process::ExitCode::FAILURE)
        }
    }
}

/// Overrides the credentials with the environment's, strongest variable first.
fn apply_env(config: &mut Config, env: &dyn Fn(&str) -> Option<String>) {
    config.ntfy.apply_env(env);
    config.telegram.apply_env(env);
    for (vars, field) in [
        (TOKEN_VARS, &mut config.pushover.token),
        (USER_VARS, &mut config.pushover.user),
    ] {
        if let Some(value) = vars.iter().find_map(|v| env(v).filter(|s| !s.is_empty())) {
            *field = value;
        }
    }
}

/// Refuses a `[routing]` table naming a backend that is unknown or not configured (with the
/// environment applied: a token may come from there).
fn check_routing(config: &Config) -> Result<(), error::Unlocated> {
    let Err(e) = config.routing() else {
        return Ok(());
    };
    let cc_notify_core::routing::RoutingError::UnknownBackend { kind, name, .. } = &e;
    let key = format!("routing.{kind}");
    let message = if model::BACKENDS.contains(&name.as_str()) {
        format!(
            "{name:?} is not configured: set {} (configured: {})",
            model::required_keys(name),
            configured_text(config)
        )
    } else {
        format!(
            "{name:?} is not a backend cc-notify knows (known: {}; configured: {})",
            model::BACKENDS.join(", "),
            configured_text(config)
        )
    };
    Err(error::Unlocated::at_key(&key, message))
}

fn configured_text(config: &Config) -> String {
    let names = config.backends();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// Reads and validates the config file at `path`; a missing file gives the defaults.
/// `env` looks up environment variables, whose Pushover credentials override the file's
/// (see [`TOKEN_VARS`], [`USER_VARS`]).
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Loaded, ConfigError> {
    let (text, existed) = match std::fs::read_to_string(path) {
        Ok(text) => (text, true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => (String::new(), false),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let (mut config, warnings) = parse(&text).map_err(|e| e.locate(path, &text))?;
    apply_env(&mut config, env);
    check_routing(&config).map_err(|e| e.locate(path, &text))?;
    Ok(Loaded {
        config,
        path: path.to_owned(),
        existed,
        warnings,
    })
}
