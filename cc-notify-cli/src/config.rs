//! The config file: where it is ([`config_path`]), what it holds ([`Config`]) and how it is read
//! ([`load`]), with errors that point at the file, line, column and key.
//!
//! ```toml
//! [pushover]          # cc_notify_pushover::PushoverConfig; token/user may come from the env
//! token = "..."
//! user = "..."
//!
//! [timing]
//! bands = [[60, 20], [120, 15], [300, 10]]  # turn shorter than N s -> wait M s
//! typing_window = 10   # seconds; clamped to the terminal probe's 8 s resolution
//! grace = 15           # seconds of watching the terminal after the delay
//! rate_limit = 5       # minimum seconds between two Done pushes of one session
//!
//! [sessions]
//! headless = "skip"    # "skip" | "notify"
//!
//! [progress]
//! enabled = false
//! min_interval = 0     # seconds between two progress pushes (coalesced)
//! priority = -2        # -2 (no alert) or -1 (quiet)
//!
//! [privacy]
//! redact = true
//!
//! [delivery]
//! outbox_max_age = 3600  # seconds a failed push is kept for a retry
//! retries = 3           # retries after a temporary failure: 5 s, 10 s, 20 s, … apart
//! ```

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cc_notify_core::Bands;
use cc_notify_core::activity::PTY_RESOLUTION;
use cc_notify_pushover::PushoverConfig;
use serde::Deserialize;
use toml::de::{DeTable, DeValue};

/// The longest any configured duration may be: more is surely a typo.
pub const MAX_SECS: u64 = 86_400;

/// The most delivery attempts a push may get.
pub const MAX_RETRIES: u32 = 20;

/// The environment variables that override the Pushover token, strongest first.
pub const TOKEN_VARS: [&str; 2] = ["CC_NOTIFY_PUSHOVER_TOKEN", "PUSHOVER_TOKEN"];

/// The environment variables that override the Pushover user key, strongest first.
pub const USER_VARS: [&str; 2] = ["CC_NOTIFY_PUSHOVER_USER", "PUSHOVER_USER"];

/// The config file's path from the process environment: `$CC_NOTIFY_CONFIG`, else
/// `$XDG_CONFIG_HOME/cc-notify/config.toml`, else `~/.config/cc-notify/config.toml`;
/// `None` when not even `$HOME` is set.
pub fn config_path() -> Option<PathBuf> {
    config_path_in(&|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
}

/// [`config_path`] with the environment given as a lookup function. Empty variables count
/// as unset.
pub fn config_path_in(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(p) = var("CC_NOTIFY_CONFIG") {
        return Some(p);
    }
    let base = var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|h| h.join(".config")))?;
    Some(base.join("cc-notify").join("config.toml"))
}

/// The whole configuration, validated, with defaults for everything the file leaves out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// The Pushover notifier (`[pushover]`), with the environment's credentials applied.
    pub pushover: PushoverConfig,
    /// When pushes go out (`[timing]`).
    pub timing: Timing,
    /// Which sessions notify (`[sessions]`).
    pub sessions: Sessions,
    /// Intermediate-message pushes (`[progress]`).
    pub progress: Progress,
    /// What pushes may reveal (`[privacy]`).
    pub privacy: Privacy,
    /// Retrying failed pushes (`[delivery]`).
    pub delivery: Delivery,
}

/// `[timing]`: how long a push waits and how it is throttled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// The delay bands (turn length → wait).
    pub bands: Bands,
    /// Input within this window before the push means the user is at the terminal
    /// (never below [`PTY_RESOLUTION`]).
    pub typing_window: Duration,
    /// How long the terminal is watched after the delay.
    pub grace: Duration,
    /// The minimum time between two Done pushes of one session.
    pub rate_limit: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            bands: Bands::default(),
            typing_window: Duration::from_secs(10),
            grace: Duration::from_secs(15),
            rate_limit: Duration::from_secs(5),
        }
    }
}

/// What to do with sessions that run without a terminal (`claude -p`, CI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Headless {
    /// Send nothing for them (the default).
    #[default]
    Skip,
    /// Notify as for any other session.
    Notify,
}

/// `[sessions]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sessions {
    /// Sessions without a terminal.
    pub headless: Headless,
}

/// `[progress]`: pushes for intermediate assistant messages of a running turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Send them at all (default off).
    pub enabled: bool,
    /// Coalesce: at most one per this interval.
    pub min_interval: Duration,
    /// Their Pushover priority: -2 (no alert) or -1 (quiet).
    pub priority: i8,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            enabled: false,
            min_interval: Duration::ZERO,
            priority: -2,
        }
    }
}

/// `[privacy]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Privacy {
    /// Replace credential-like strings in push bodies (default on).
    pub redact: bool,
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy { redact: true }
    }
}

/// `[delivery]`: the outbox of pushes that failed transiently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// A push older than this is dropped instead of retried.
    pub outbox_max_age: Duration,
    /// How many times a push that failed transiently is retried (5 s, 10 s, 20 s, … apart).
    pub retries: u32,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            outbox_max_age: Duration::from_secs(3600),
            retries: 3,
        }
    }
}

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

/// Why the config file could not be used. Every variant is permanent: the file must be fixed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A syntax error, an unknown key, a wrong type or a refused value. Never contains a secret.
    #[error("{}:{line}:{column}: {}{message}", path.display(), key_prefix(key))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The 1-based column, in characters.
        column: usize,
        /// The dotted key path (`timing.grace`, `timing.bands[1]`); empty at top level.
        key: String,
        /// What is wrong.
        message: String,
    },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("{key}: ")
    }
}

/// Whether only the owner may read the file (`mode & 0o077 == 0`).
pub fn is_private(path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 == 0)
}

/// Loads the config for an interactive command (`send`, `doctor`…) from [`config_path`] and
/// the process environment; prints the warnings, or the error and gives exit code 2.
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
            Ok(loaded.config)
        }
        Err(e) => {
            eprintln!("cc-notify: {e}");
            Err(std::process::ExitCode::from(2))
        }
    }
}

/// Overrides the Pushover credentials with the environment's, strongest variable first.
fn apply_env(config: &mut Config, env: &dyn Fn(&str) -> Option<String>) {
    for (vars, field) in [
        (TOKEN_VARS, &mut config.pushover.token),
        (USER_VARS, &mut config.pushover.user),
    ] {
        if let Some(value) = vars.iter().find_map(|v| env(v).filter(|s| !s.is_empty())) {
            *field = value;
        }
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
    Ok(Loaded {
        config,
        path: path.to_owned(),
        existed,
        warnings,
    })
}

/// An error before it knows its file and line: a key path or a byte offset, and a message.
struct Unlocated {
    key: Option<String>,
    span: Option<Range<usize>>,
    message: String,
}

impl Unlocated {
    fn at_key(key: &str, message: impl fmt::Display) -> Self {
        Unlocated {
            key: Some(key.to_owned()),
            span: None,
            message: message.to_string(),
        }
    }

    fn locate(self, path: &Path, text: &str) -> ConfigError {
        let keys = KeySpans::of(text);
        let (key, offset) = match (self.key, self.span) {
            (Some(key), _) => {
                let offset = keys.value_offset(&key).unwrap_or(0);
                (key, offset)
            }
            (None, Some(span)) => (keys.key_at(&span), span.start),
            (None, None) => (String::new(), 0),
        };
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let message = if is_secret_key(&key) {
            // A type error quotes the value; for a credential that could be the secret itself.
            "invalid value (not shown, it may be a secret): expected a string".to_owned()
        } else {
            self.message
                .replace("expected u64", "expected a non-negative integer")
                .replace("expected u32", "expected a non-negative integer")
                .replace("expected i8", "expected an integer")
        };
        ConfigError::Invalid {
            path: path.to_owned(),
            line,
            column,
            key,
            message,
        }
    }
}

fn is_secret_key(key: &str) -> bool {
    matches!(key, "pushover.token" | "pushover.user")
}

/// Every key of a TOML document with its dotted path and the spans of key and value.
struct KeySpans(Vec<(String, Range<usize>, Range<usize>)>);

impl KeySpans {
    fn of(text: &str) -> Self {
        let (root, _errors) = DeTable::parse_recoverable(text);
        let mut out = Vec::new();
        collect_table(root.get_ref(), "", &mut out);
        KeySpans(out)
    }

    /// The path of the innermost key or value around `span`.
    fn key_at(&self, span: &Range<usize>) -> String {
        let inside = |r: &Range<usize>| r.start <= span.start && span.start <= r.end;
        self.0
            .iter()
            .flat_map(|(path, k, v)| [(path, k), (path, v)])
            .filter(|(_, r)| inside(r))
            .min_by_key(|(_, r)| r.len())
            .map(|(path, _)| path.clone())
            .unwrap_or_default()
    }

    /// Where the value of `key` starts.
    fn value_offset(&self, key: &str) -> Option<usize> {
        self.0
            .iter()
            .find(|(path, _, _)| path == key)
            .map(|(_, _, v)| v.start)
    }
}

fn collect_table(
    table: &DeTable<'_>,
    prefix: &str,
    out: &mut Vec<(String, Range<usize>, Range<usize>)>,
) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        out.push((path.clone(), key.span(), value.span()));
        collect_value(value.get_ref(), &path, out);
    }
}

fn collect_value(
    value: &DeValue<'_>,
    path: &str,
    out: &mut Vec<(String, Range<usize>, Range<usize>)>,
) {
    match value {
        DeValue::Table(t) => collect_table(t, path, out),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("{path}[{i}]");
                out.push((path.clone(), item.span(), item.span()));
                collect_value(item.get_ref(), &path, out);
            }
        }
        _ => {}
    }
}

/// The file as written: every table optional, unknown keys refused.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawConfig {
    pushover: PushoverConfig,
    timing: RawTiming,
    sessions: RawSessions,
    progress: RawProgress,
    privacy: RawPrivacy,
    delivery: RawDelivery,
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawTiming {
    bands: Vec<(u64, u64)>,
    typing_window: u64,
    grace: u64,
    rate_limit: u64,
}

impl Default for RawTiming {
    fn default() -> Self {
        let t = Timing::default();
        RawTiming {
            bands: t.bands.as_slice().to_vec(),
            typing_window: t.typing_window.as_secs(),
            grace: t.grace.as_secs(),
            rate_limit: t.rate_limit.as_secs(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawSessions {
    headless: Headless,
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawProgress {
    enabled: bool,
    min_interval: u64,
    priority: i8,
}

impl Default for RawProgress {
    fn default() -> Self {
        let p = Progress::default();
        RawProgress {
            enabled: p.enabled,
            min_interval: p.min_interval.as_secs(),
            priority: p.priority,
        }
    }
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawPrivacy {
    redact: bool,
}

impl Default for RawPrivacy {
    fn default() -> Self {
        RawPrivacy {
            redact: Privacy::default().redact,
        }
    }
}

#[derive(Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawDelivery {
    outbox_max_age: u64,
    retries: u32,
}

impl Default for RawDelivery {
    fn default() -> Self {
        let d = Delivery::default();
        RawDelivery {
            outbox_max_age: d.outbox_max_age.as_secs(),
            retries: d.retries,
        }
    }
}

/// A duration in whole seconds, refused above [`MAX_SECS`].
fn secs(key: &str, value: u64) -> Result<Duration, Unlocated> {
    if value > MAX_SECS {
        return Err(Unlocated::at_key(
            key,
            format!("{value} s is more than a day ({MAX_SECS} s)"),
        ));
    }
    Ok(Duration::from_secs(value))
}

/// Parses and validates the text of a config file (without the environment).
fn parse(text: &str) -> Result<(Config, Vec<String>), Unlocated> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| Unlocated {
        key: None,
        span: e.span(),
        message: e.message().to_owned(),
    })?;
    let mut warnings = Vec::new();
    let bands = Bands::new(raw.timing.bands).map_err(|e| Unlocated::at_key("timing.bands", e))?;
    let mut typing_window = secs("timing.typing_window", raw.timing.typing_window)?;
    if typing_window < PTY_RESOLUTION {
        warnings.push(format!(
            "timing.typing_window = {} s is below the terminal probe's resolution; using {} s",
            typing_window.as_secs(),
            PTY_RESOLUTION.as_secs()
        ));
        typing_window = PTY_RESOLUTION;
    }
    if !matches!(raw.progress.priority, -2 | -1) {
        return Err(Unlocated::at_key(
            "progress.priority",
            format!(
                "{} is not allowed: use -2 (no alert) or -1 (quiet)",
                raw.progress.priority
            ),
        ));
    }
    if raw.delivery.retries > MAX_RETRIES {
        return Err(Unlocated::at_key(
            "delivery.retries",
            format!("{} is more than {MAX_RETRIES}", raw.delivery.retries),
        ));
    }
    let config = Config {
        pushover: raw.pushover,
        timing: Timing {
            bands,
            typing_window,
            grace: secs("timing.grace", raw.timing.grace)?,
            rate_limit: secs("timing.rate_limit", raw.timing.rate_limit)?,
        },
        sessions: Sessions {
            headless: raw.sessions.headless,
        },
        progress: Progress {
            enabled: raw.progress.enabled,
            min_interval: secs("progress.min_interval", raw.progress.min_interval)?,
            priority: raw.progress.priority,
        },
        privacy: Privacy {
            redact: raw.privacy.redact,
        },
        delivery: Delivery {
            outbox_max_age: secs("delivery.outbox_max_age", raw.delivery.outbox_max_age)?,
            retries: raw.delivery.retries,
        },
    };
    Ok((config, warnings))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const TOKEN: &str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";

    fn no_env(_: &str) -> Option<String> {
        None
    }

    /// Loads `text` from a file named config.toml in a fresh temp dir.
    fn load_text(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Loaded, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        load(&path, env).map_err(|e| {
            let shown = e.to_string();
            let prefix = format!("{}:", path.display());
            shown
                .strip_prefix(&prefix)
                .map(|rest| format!("config.toml:{rest}"))
                .unwrap_or(shown)
        })
    }

    fn err(text: &str) -> String {
        load_text(text, &no_env).unwrap_err()
    }

    #[test]
    fn missing_file_gives_the_documented_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = load(&dir.path().join("absent.toml"), &no_env).unwrap();
        assert!(!loaded.existed);
        assert!(loaded.warnings.is_empty());
        let c = loaded.config;
        assert_eq!(c.timing.bands.as_slice(), &[(60, 20), (120, 15), (300, 10)]);
        assert_eq!(c.timing.typing_window, Duration::from_secs(10));
        assert_eq!(c.timing.grace, Duration::from_secs(15));
        assert_eq!(c.timing.rate_limit, Duration::from_secs(5));
        assert_eq!(c.sessions.headless, Headless::Skip);
        assert!(!c.progress.enabled);
        assert_eq!(c.progress.min_interval, Duration::ZERO);
        assert_eq!(c.progress.priority, -2);
        assert!(c.privacy.redact);
        assert_eq!(c.delivery.outbox_max_age, Duration::from_secs(3600));
        assert_eq!(c.delivery.retries, 3);
        assert_eq!(
            c.pushover.api_url,
            "https://api.pushover.net/1/messages.json"
        );
        assert!(c.pushover.token.is_empty());
    }

    #[test]
    fn the_documented_example_file_is_read_as_written() {
        let text = r#"
[pushover]
token = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
user = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
api_url = "http://127.0.0.1:9/1/messages.json"

[timing]
bands = [[30, 40], [90, 5]]
typing_window = 12
grace = 20
rate_limit = 0

[sessions]
headless = "notify"

[progress]
enabled = true
min_interval = 30
priority = -1

[privacy]
redact = false

[delivery]
outbox_max_age = 600
retries = 0
"#;
        let loaded = load_text(text, &no_env).unwrap();
        assert!(loaded.existed);
        let c = loaded.config;
        assert_eq!(c.pushover.token, TOKEN);
        assert_eq!(c.pushover.api_url, "http://127.0.0.1:9/1/messages.json");
        assert_eq!(c.timing.bands.as_slice(), &[(30, 40), (90, 5)]);
        assert_eq!(c.timing.typing_window, Duration::from_secs(12));
        assert_eq!(c.timing.grace, Duration::from_secs(20));
        assert_eq!(c.timing.rate_limit, Duration::ZERO);
        assert_eq!(c.sessions.headless, Headless::Notify);
        assert_eq!(
            c.progress,
            Progress {
                enabled: true,
                min_interval: Duration::from_secs(30),
                priority: -1
            }
        );
        assert!(!c.privacy.redact);
        assert_eq!(
            c.delivery,
            Delivery {
                outbox_max_age: Duration::from_secs(600),
                retries: 0
            }
        );
    }

    #[test]
    fn wrong_type_names_file_line_column_and_key() {
        assert_eq!(
            err("[timing]\n\ngrace = \"ten\"\n"),
            "config.toml:3:9: timing.grace: invalid type: string \"ten\", expected a non-negative integer"
        );
        assert_eq!(
            err("[timing]\ngrace = -5\n"),
            "config.toml:2:9: timing.grace: invalid value: integer `-5`, expected a non-negative integer"
        );
        assert_eq!(
            err("[timing]\nbands = [[60, 20], [120, \"x\"]]\n"),
            "config.toml:2:26: timing.bands[1][1]: invalid type: string \"x\", expected a non-negative integer"
        );
        assert_eq!(
            err("timing.rate_limit = true\n"),
            "config.toml:1:21: timing.rate_limit: invalid type: boolean `true`, expected a non-negative integer"
        );
        assert_eq!(
            err("[sessions]\nheadless = \"sometimes\"\n"),
            "config.toml:2:12: sessions.headless: unknown variant `sometimes`, expected `skip` or `notify`"
        );
    }

    #[test]
    fn unknown_keys_and_tables_are_refused_by_name() {
        let e = err("[timing]\ngrace = 5\ngarce = 5\n");
        assert!(
            e.starts_with("config.toml:3:1: timing.garce: unknown field `garce`"),
            "{e}"
        );
        let e = err("[timng]\n");
        assert!(
            e.starts_with("config.toml:1:2: timng: unknown field `timng`"),
            "{e}"
        );
        let e = err("[pushover]\ntokne = \"x\"\n");
        assert!(
            e.starts_with("config.toml:2:1: pushover.tokne: unknown field `tokne`"),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_point_at_the_spot() {
        let e = err("[timing]\ngrace = ten\n");
        assert!(e.starts_with("config.toml:2:9: timing.grace: "), "{e}");
        let e = err("[timing\n");
        assert!(e.starts_with("config.toml:1:8: timing: "), "{e}");
        let e = err("= 5\n");
        assert!(e.starts_with("config.toml:1:1: "), "{e}");
    }

    #[test]
    fn refused_values_name_the_key_and_why() {
        assert_eq!(
            err("[timing]\nbands = [[60, 10], [120, 20]]\n"),
            "config.toml:2:9: timing.bands: a longer turn may not wait longer: 20 s after 10 s"
        );
        assert_eq!(
            err("[timing]\ngrace = 86401\n"),
            "config.toml:2:9: timing.grace: 86401 s is more than a day (86400 s)"
        );
        for key in ["typing_window", "rate_limit"] {
            let e = err(&format!("[timing]\n{key} = 100000\n"));
            assert!(e.starts_with("config.toml:2:"), "{e}");
            assert!(e.contains(&format!("timing.{key}: 100000 s")), "{e}");
        }
        let e = err("[delivery]\noutbox_max_age = 999999\n");
        assert!(e.contains("2:18: delivery.outbox_max_age: 999999 s"), "{e}");
        let e = err("[progress]\npriority = 0\n");
        assert_eq!(
            e,
            "config.toml:2:12: progress.priority: 0 is not allowed: use -2 (no alert) or -1 (quiet)"
        );
        let e = err("[delivery]\nretries = 21\n");
        assert_eq!(e, "config.toml:2:11: delivery.retries: 21 is more than 20");
    }

    #[test]
    fn short_typing_window_is_clamped_with_a_warning() {
        let loaded = load_text("[timing]\ntyping_window = 3\n", &no_env).unwrap();
        assert_eq!(loaded.config.timing.typing_window, PTY_RESOLUTION);
        assert_eq!(loaded.warnings.len(), 1);
        assert!(loaded.warnings[0].contains("timing.typing_window"));
    }

    #[test]
    fn environment_credentials_override_the_file_in_order() {
        let file = "[pushover]\ntoken = \"from-file\"\nuser = \"user-file\"\n";
        let env_of = |pairs: &'static [(&'static str, &'static str)]| {
            let map: HashMap<&str, &str> = pairs.iter().copied().collect();
            move |k: &str| map.get(k).map(|v| v.to_string())
        };
        let c = load_text(file, &no_env).unwrap().config.pushover;
        assert_eq!(
            (c.token.as_str(), c.user.as_str()),
            ("from-file", "user-file")
        );

        let env = env_of(&[
            ("PUSHOVER_TOKEN", "generic"),
            ("PUSHOVER_USER", "u-generic"),
        ]);
        let c = load_text(file, &env).unwrap().config.pushover;
        assert_eq!(
            (c.token.as_str(), c.user.as_str()),
            ("generic", "u-generic")
        );

        let env = env_of(&[
            ("PUSHOVER_TOKEN", "generic"),
            ("CC_NOTIFY_PUSHOVER_TOKEN", "specific"),
            ("CC_NOTIFY_PUSHOVER_USER", ""),
        ]);
        let c = load_text(file, &env).unwrap().config.pushover;
        assert_eq!(
            (c.token.as_str(), c.user.as_str()),
            ("specific", "user-file")
        );
    }

    #[test]
    fn secrets_never_appear_in_errors_or_debug() {
        let e = err("[pushover]\ntoken = 123456789\n");
        assert!(e.starts_with("config.toml:2:9: pushover.token: "), "{e}");
        assert!(!e.contains("123456789"), "{e}");
        let loaded = load_text(&format!("[pushover]\ntoken = \"{TOKEN}\"\n"), &no_env).unwrap();
        assert!(!format!("{loaded:?}").contains(TOKEN));
    }

    #[test]
    fn config_path_follows_the_documented_precedence() {
        let env = crate::runtime::fake_env;
        assert_eq!(
            config_path_in(&env(&[("CC_NOTIFY_CONFIG", "/c.toml"), ("HOME", "/h")])),
            Some(PathBuf::from("/c.toml"))
        );
        assert_eq!(
            config_path_in(&env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x/cc-notify/config.toml"))
        );
        assert_eq!(
            config_path_in(&env(&[("XDG_CONFIG_HOME", ""), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.config/cc-notify/config.toml"))
        );
        assert_eq!(config_path_in(&env(&[])), None);
    }

    #[test]
    fn privacy_of_the_file_follows_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(is_private(&path).unwrap());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(!is_private(&path).unwrap());
    }

    #[test]
    fn unreadable_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let e = load(dir.path(), &no_env).unwrap_err();
        assert!(matches!(e, ConfigError::Read { .. }));
        assert!(e.to_string().starts_with(&dir.path().display().to_string()));
    }
}
