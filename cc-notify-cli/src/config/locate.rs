//! Where the config file is, and which environment variables carry the credentials.

use std::path::PathBuf;

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
