//! The Claude Code plugin (`plugin/` in the checkout, offered by
//! `.claude-plugin/marketplace.json`): its hooks file, generated from the [event
//! table](super::events), and how Claude Code records it as enabled and where it runs it from.

use std::path::{Path, PathBuf};

use serde_json::Value;

#[cfg(test)]
use super::events::hooks_object;
use super::inspect::{InstallState, ProgramStatus, inspect_hooks, program_status};
use super::user_file::read_text;

/// The plugin's name, before the `@marketplace` of its key in `enabledPlugins`.
pub const PLUGIN_NAME: &str = "cc-notify";

#[cfg(test)]
/// The command of the plugin's hooks: the launcher the plugin ships, which runs the cc-notify
/// binary it finds (see `plugin/hooks/cc-notify`).
pub const PLUGIN_COMMAND: &str = "\"${CLAUDE_PLUGIN_ROOT}/hooks/cc-notify\" hook";

#[cfg(test)]
/// What the plugin's `hooks/hooks.json` says about itself.
pub const PLUGIN_DESCRIPTION: &str = "Push notifications to your phone when a turn ends, fails or \
     needs input, only when you have walked away. Runs the cc-notify binary on PATH or in \
     ~/.cargo/bin (build it with scripts/install.sh --no-register); without one it does nothing.";

#[cfg(test)]
/// The plugin's `hooks/hooks.json`: [`hooks_object`] running the plugin's launcher.
pub fn plugin_hooks() -> Value {
    serde_json::json!({"description": PLUGIN_DESCRIPTION, "hooks": hooks_object(PLUGIN_COMMAND)})
}

/// The cc-notify plugin as Claude Code has it enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginState {
    /// Its key in `enabledPlugins`: `cc-notify@<marketplace>`.
    pub key: String,
    /// The settings file whose `enabledPlugins` has the last word on it.
    pub enabled_in: PathBuf,
    /// The directory Claude Code runs it from; `None` when it has none.
    pub root: Option<PathBuf>,
    /// Its registration, read from `hooks/hooks.json` in [`root`](Self::root).
    pub hooks: Option<InstallState>,
}

/// The cc-notify plugins enabled by `settings` (lowest precedence first, as from
/// [`candidate_paths`](super::locate::candidate_paths): a later file's `false` disables what an earlier one enabled),
/// with the directories Claude Code runs them from, found through its records in
/// `plugins_dir` ([`plugins_dir`](super::locate::plugins_dir)). Unreadable files count as saying nothing.
pub fn enabled_plugins(settings: &[PathBuf], plugins_dir: Option<&Path>) -> Vec<PluginState> {
    let mut last: Vec<(String, bool, PathBuf)> = Vec::new();
    for path in settings {
        let Some(doc) = read_json(path) else { continue };
        let Some(enabled) = doc.get("enabledPlugins").and_then(Value::as_object) else {
            continue;
        };
        for (key, on) in enabled {
            if key.split('@').next() != Some(PLUGIN_NAME) {
                continue;
            }
            let on = on.as_bool().unwrap_or(false);
            last.retain(|(k, _, _)| k != key);
            last.push((key.clone(), on, path.clone()));
        }
    }
    last.into_iter()
        .filter(|(_, on, _)| *on)
        .map(|(key, _, enabled_in)| {
            let root = plugins_dir.and_then(|dir| plugin_root(dir, &key));
            let hooks = root.as_ref().and_then(|root| {
                inspect_hooks(&root.join("hooks").join("hooks.json"), Some(root), None).ok()
            });
            PluginState {
                key,
                enabled_in,
                root,
                hooks,
            }
        })
        .collect()
}

/// Where Claude Code runs plugin `key` (`name@marketplace`) from. A marketplace that is a
/// local directory (`claude plugin marketplace add <checkout>`) is read in place: the plugin's
/// `source` in its `marketplace.json`. Any other is run from the installed copy recorded in
/// `installed_plugins.json`.
fn plugin_root(plugins_dir: &Path, key: &str) -> Option<PathBuf> {
    let (name, market) = key.split_once('@')?;
    let in_place = read_json(&plugins_dir.join("known_marketplaces.json"))
        .and_then(|known| {
            let entry = known.get(market)?;
            (entry.pointer("/source/source")?.as_str()? == "directory")
                .then(|| Some(PathBuf::from(entry.get("installLocation")?.as_str()?)))?
        })
        .and_then(|dir| {
            let listing = read_json(&dir.join(".claude-plugin").join("marketplace.json"))?;
            let source = listing
                .get("plugins")?
                .as_array()?
                .iter()
                .find(|p| p.get("name").and_then(Value::as_str) == Some(name))?
                .get("source")?
                .as_str()?
                .to_owned();
            Some(dir.join(source))
        });
    in_place
        .or_else(|| {
            let installed = read_json(&plugins_dir.join("installed_plugins.json"))?;
            let entry = installed
                .get("plugins")?
                .get(key)?
                .as_array()?
                .first()?
                .clone();
            Some(PathBuf::from(entry.get("installPath")?.as_str()?))
        })
        .filter(|root| root.is_dir())
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&read_text(path).ok()??).ok()
}

/// The binary the plugin's launcher (`plugin/hooks/cc-notify`) would run, searched the same
/// way: `cc-notify` on `PATH`, else in `$CARGO_INSTALL_ROOT/bin`, `$CARGO_HOME/bin`,
/// `~/.cargo/bin`.
pub fn plugin_binary(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty());
    let on_path = var("PATH")
        .into_iter()
        .flat_map(|p| p.split(':').map(PathBuf::from).collect::<Vec<_>>());
    let installed = ["CARGO_INSTALL_ROOT", "CARGO_HOME"]
        .into_iter()
        .filter_map(|v| var(v).map(|d| PathBuf::from(d).join("bin")))
        .chain(var("HOME").map(|h| PathBuf::from(h).join(".cargo").join("bin")));
    on_path
        .chain(installed)
        .map(|dir| dir.join("cc-notify"))
        .find(|p| program_status(&p.to_string_lossy()) == ProgramStatus::Executable)
}
