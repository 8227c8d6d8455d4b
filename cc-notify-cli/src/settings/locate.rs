//! Where Claude Code keeps its settings and plugins.

use std::path::{Path, PathBuf};

use super::SettingsError;

/// Claude Code's configuration directory: `$CLAUDE_CONFIG_DIR`, else `~/.claude`.
pub fn config_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("CLAUDE_CONFIG_DIR").or_else(|| var("HOME").map(|h| h.join(".claude")))
}

/// Claude Code's user settings: `settings.json` in the [config directory](config_dir).
pub fn user_settings_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    Some(config_dir(env)?.join("settings.json"))
}

/// The file `install` edits: `explicit`, else with `project` `<project>/.claude/settings.json`,
/// else the [user settings](user_settings_path).
pub fn target_path(
    explicit: Option<PathBuf>,
    project: bool,
    project_dir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<PathBuf, SettingsError> {
    match (explicit, project) {
        (Some(file), _) => Ok(file),
        (None, true) => Ok(project_dir.join(".claude").join("settings.json")),
        (None, false) => user_settings_path(env).ok_or(SettingsError::NoHome),
    }
}

/// Every settings file Claude Code reads in `cwd`, lowest precedence first: user, project,
/// local.
pub fn candidate_paths(env: &dyn Fn(&str) -> Option<String>, cwd: Option<&Path>) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = user_settings_path(env).into_iter().collect();
    if let Some(cwd) = cwd {
        let dir = cwd.join(".claude");
        paths.push(dir.join("settings.json"));
        paths.push(dir.join("settings.local.json"));
    }
    paths.dedup();
    paths
}

/// Where Claude Code records plugins and marketplaces (`installed_plugins.json`,
/// `known_marketplaces.json`): `plugins` in the [config directory](config_dir).
pub fn plugins_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    Some(config_dir(env)?.join("plugins"))
}
