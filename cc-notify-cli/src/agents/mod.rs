//! `cc-notify install --agent NAME` for the agents other than Claude Code: cc-notify's hooks
//! merged into each agent's own configuration file, in its own format, through the safe
//! file layer of [`crate::settings::user_file`] (links written through, read-only files
//! refused, the original kept, atomic writes, nothing written on error).
//!
//! - Codex: `$CODEX_HOME/hooks.json` (default `~/.codex`), Claude-like groups, seconds.
//! - Gemini CLI: `~/.gemini/settings.json`, with `hooksConfig.enabled`, milliseconds.
//! - Copilot CLI: `$COPILOT_HOME/settings.json` (default `~/.copilot`), a `hooks` key with
//!   flat handlers (`bash`, `timeoutSec`).
//! - Qwen Code: `~/.qwen/settings.json`, Claude-like groups, seconds.
//! - OpenCode: a plugin file, `$XDG_CONFIG_HOME/opencode/plugins/cc-notify.js`.
//!
//! Install keeps every other key and every foreign hook, and is idempotent; uninstall removes
//! exactly cc-notify's entries (and the `hooksConfig.enabled` it added to an otherwise
//! hook-less Gemini file).

pub mod each;
pub mod found;
pub mod report;

use std::path::{Path, PathBuf};

use cc_notify_core::event::Agent;
use serde_json::{Map, Value, json};

/// cc-notify's OpenCode plugin (its `CC_NOTIFY` constant is set to the binary on install).
pub const OPENCODE_PLUGIN: &str = include_str!("opencode_plugin.js");

/// The first line of the plugin, which tells cc-notify's file from anyone else's.
const PLUGIN_MARK: &str = "// cc-notify for OpenCode:";

/// What Codex users must do before its hooks run, printed by install and `doctor`.
pub const CODEX_TRUST: &str = "Codex runs hooks only once you trust them, and skips untrusted \
     ones silently: start `codex`, type /hooks and trust the cc-notify entries. Rewriting \
     hooks.json (as install and uninstall do) asks for that again. A one-off `codex exec` can \
     pass --dangerously-bypass-hook-trust instead.";

/// The events cc-notify registers for `agent` (none for Claude Code, handled elsewhere, and
/// OpenCode, which gets a plugin).
pub fn events(agent: Agent) -> &'static [&'static str] {
    match agent {
        Agent::Codex => &[
            "SessionStart",
            "UserPromptSubmit",
            "PermissionRequest",
            "PostToolUse",
            "Stop",
            "Interrupt",
            "SessionEnd",
        ],
        Agent::Gemini => &[
            "SessionStart",
            "BeforeAgent",
            "AfterTool",
            "AfterAgent",
            "Notification",
            "SessionEnd",
        ],
        Agent::Copilot => &[
            "sessionStart",
            "userPromptSubmitted",
            "postToolUse",
            "postToolUseFailure",
            "errorOccurred",
            "agentStop",
            "notification",
            "sessionEnd",
        ],
        Agent::Qwen => &[
            "SessionStart",
            "UserPromptSubmit",
            "PostToolUse",
            "PostToolUseFailure",
            "Stop",
            "StopFailure",
            "Notification",
            "SessionEnd",
        ],
        _ => &[],
    }
}

/// The file cc-notify edits for `agent`, from the environment's `HOME` and the agents' own
/// variables; `None` without a home.
pub fn config_file(agent: Agent, var: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let home = var("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    let under = |key: &str, default: &str| -> Option<PathBuf> {
        var(key)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(default)))
    };
    Some(match agent {
        Agent::Codex => under("CODEX_HOME", ".codex")?.join("hooks.json"),
        Agent::Gemini => home?.join(".gemini").join("settings.json"),
        Agent::Copilot => under("COPILOT_HOME", ".copilot")?.join("settings.json"),
        Agent::Qwen => home?.join(".qwen").join("settings.json"),
        Agent::OpenCode => under("XDG_CONFIG_HOME", ".config")?
            .join("opencode")
            .join("plugins")
            .join("cc-notify.js"),
        _ => return None,
    })
}

/// The hook command for `agent`: `<quoted binary> hook --agent <id>`.
pub fn command(binary_command: &str, agent: Agent) -> String {
    format!("{binary_command} --agent {}", agent.id())
}

/// Whether a hook command is one cc-notify registered for an agent.
pub fn is_ours(command: &str) -> bool {
    let Some((program, rest)) = command.trim().split_once(" hook --agent ") else {
        return false;
    };
    let program = program.trim_matches(|c| c == '\'' || c == '"');
    Path::new(program)
        .file_name()
        .is_some_and(|n| n == "cc-notify")
        && !rest.trim().is_empty()
        && !rest.trim().contains(char::is_whitespace)
}

/// Why a configuration document cannot be merged.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}; left untouched, fix it by hand")]
pub struct ShapeError(pub String);

/// `doc` with cc-notify's hooks for `agent` added (those already there replaced), everything
/// else kept. `hook` is the command to register.
pub fn install(agent: Agent, doc: &mut Value, hook: &str) -> Result<(), ShapeError> {
    uninstall(agent, doc)?;
    let root = doc
        .as_object_mut()
        .ok_or_else(|| ShapeError("the file is not a JSON object".into()))?;
    if agent == Agent::Gemini {
        let config = root
            .entry("hooksConfig")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| ShapeError("\"hooksConfig\" is not an object".into()))?;
        config.insert("enabled".into(), json!(true));
    }
    if agent == Agent::Copilot && !root.contains_key("hooks") {
        root.entry("version").or_insert(json!(1));
    }
    let hooks = hooks_of(root)?;
    for event in events(agent) {
        let entry = match agent {
            Agent::Copilot => json!({"type": "command", "bash": hook, "timeoutSec": 10}),
            Agent::Gemini => {
                json!({"hooks": [{"type": "command", "command": hook, "timeout": 10000}]})
            }
            // Codex waits for a phone approval ([approvals]) while its dialog is open.
            Agent::Codex if *event == "PermissionRequest" => json!({"hooks": [{"type": "command",
                "command": hook,
                "timeout": crate::settings::events::APPROVAL_HOOK_TIMEOUT_SECS}]}),
            _ => json!({"hooks": [{"type": "command", "command": hook, "timeout": 10}]}),
        };
        match hooks.entry(*event).or_insert_with(|| json!([])) {
            Value::Array(list) => list.push(entry),
            _ => return Err(ShapeError(format!("\"hooks\".\"{event}\" is not a list"))),
        }
    }
    Ok(())
}

/// `doc` without cc-notify's hooks (any agent's); other hooks and keys kept. When no hook is
/// left, a Gemini `hooksConfig` of only `enabled: true` and a Copilot `version: 1` go too.
pub fn uninstall(agent: Agent, doc: &mut Value) -> Result<(), ShapeError> {
    let root = doc
        .as_object_mut()
        .ok_or_else(|| ShapeError("the file is not a JSON object".into()))?;
    if root.get("hooks").is_none() {
        return Ok(());
    }
    let hooks = hooks_of(root)?;
    for list in hooks.values_mut() {
        let Value::Array(list) = list else { continue };
        list.retain_mut(|entry| {
            // A flat handler (Copilot) or a group of handlers (the others).
            if entry.get("hooks").is_none() {
                return !handler_is_ours(entry);
            }
            if let Some(Value::Array(inner)) = entry.get_mut("hooks") {
                inner.retain(|h| !handler_is_ours(h));
                return !inner.is_empty();
            }
            true
        });
    }
    hooks.retain(|_, list| !list.as_array().is_some_and(Vec::is_empty));
    let empty = hooks.is_empty();
    if empty {
        root.remove("hooks");
        if agent == Agent::Gemini && root.get("hooksConfig") == Some(&json!({"enabled": true})) {
            root.remove("hooksConfig");
        }
        if agent == Agent::Copilot && root.get("version") == Some(&json!(1)) {
            root.remove("version");
        }
    }
    Ok(())
}

fn hooks_of(root: &mut Map<String, Value>) -> Result<&mut Map<String, Value>, ShapeError> {
    root.entry("hooks")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| ShapeError("\"hooks\" is not an object".into()))
}

fn handler_is_ours(handler: &Value) -> bool {
    ["command", "bash"]
        .iter()
        .filter_map(|k| handler.get(k).and_then(Value::as_str))
        .any(is_ours)
}

/// cc-notify's OpenCode plugin calling `binary`.
pub fn opencode_plugin(binary: &str) -> String {
    OPENCODE_PLUGIN.replace(
        "const CC_NOTIFY = \"cc-notify\";",
        &format!("const CC_NOTIFY = {};", Value::from(binary)),
    )
}

/// Whether a plugin file's text is cc-notify's.
pub fn is_our_plugin(text: &str) -> bool {
    text.starts_with(PLUGIN_MARK)
}

/// Installs (or, with `install` false, uninstalls) cc-notify for `agent`, printing what it
/// did after the agent's name; a failure names the file and leaves it untouched.
pub fn run_command(agent: Agent, install_it: bool, dry_run: bool) -> std::process::ExitCode {
    match run(agent, install_it, dry_run) {
        Ok(lines) => {
            each::print(agent, &lines);
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cc-notify: {}: {e}", agent.display_name());
            std::process::ExitCode::FAILURE
        }
    }
}

/// Why an agent install failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RunError {
    #[error(transparent)]
    File(#[from] crate::settings::FileError),
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    #[error("{path}: {source}")]
    Shape { path: String, source: ShapeError },
    #[error("{path}: not valid JSON ({source}); left untouched, fix it by hand")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error("{0}: not cc-notify's plugin; left untouched")]
    NotOurs(String),
    #[error("cannot locate {0}'s configuration: set HOME")]
    NoHome(&'static str),
    #[error("cannot find the running cc-notify: {0}")]
    Exe(std::io::Error),
    #[error("{path}: cannot delete: {source}")]
    Remove {
        path: String,
        source: std::io::Error,
    },
}

/// Installs (or removes) cc-notify for `agent` (not Claude Code); returns what was done, line
/// by line.
pub(crate) fn run(agent: Agent, install_it: bool, dry_run: bool) -> Result<Vec<String>, RunError> {
    let path = config_file(agent, |k| std::env::var(k).ok())
        .ok_or(RunError::NoHome(agent.display_name()))?;
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .map_err(RunError::Exe)?;
    if agent == Agent::OpenCode && !install_it {
        return remove_plugin(&path, dry_run);
    }
    edit_file(agent, &path, &exe, install_it, dry_run)
}

/// Deletes cc-notify's OpenCode plugin file (and nothing that is not cc-notify's).
fn remove_plugin(path: &Path, dry_run: bool) -> Result<Vec<String>, RunError> {
    let shown = path.display().to_string();
    let line = match crate::settings::user_file::read_text(path)? {
        None => format!("not registered ({shown} does not exist): nothing to remove"),
        Some(text) if !is_our_plugin(&text) => return Err(RunError::NotOurs(shown)),
        Some(_) if dry_run => format!("{shown} would be deleted (dry run)"),
        Some(_) => {
            std::fs::remove_file(path).map_err(|source| RunError::Remove {
                path: shown.clone(),
                source,
            })?;
            format!("cc-notify removed: {shown} deleted")
        }
    };
    Ok(vec![line])
}

/// Merges cc-notify's registration for `agent` into (or out of) `path`, calling `exe`.
fn edit_file(
    agent: Agent,
    path: &Path,
    exe: &Path,
    install_it: bool,
    dry_run: bool,
) -> Result<Vec<String>, RunError> {
    use crate::settings::user_file::{Change, Changed, EditOptions, edit};
    let shown = path.display().to_string();
    let hook = command(&crate::settings::hook_command(exe)?, agent);
    let opts = EditOptions {
        dry_run,
        force: false,
    };
    let done = edit(path, opts, |found| -> Result<Change, RunError> {
        if agent == Agent::OpenCode {
            let ours = found.text.as_deref().is_none_or(is_our_plugin);
            if !ours {
                return Err(RunError::NotOurs(shown.clone()));
            }
            let text = opencode_plugin(&exe.to_string_lossy());
            if found.text.as_deref() == Some(text.as_str()) {
                return Ok(Change::Keep);
            }
            return Ok(Change::Write {
                text,
                pristine: false,
            });
        }
        if !install_it && found.text.is_none() {
            // Nothing to remove from a file that does not exist: it is not created.
            return Ok(Change::Keep);
        }
        let before = found.text.as_deref().unwrap_or("").trim();
        let mut doc: Value = if before.is_empty() {
            json!({})
        } else {
            serde_json::from_str(before).map_err(|source| RunError::Json {
                path: shown.clone(),
                source,
            })?
        };
        let old = doc.clone();
        let result = if install_it {
            install(agent, &mut doc, &hook)
        } else {
            uninstall(agent, &mut doc)
        };
        result.map_err(|source| RunError::Shape {
            path: shown.clone(),
            source,
        })?;
        if doc == old && found.text.is_some() {
            return Ok(Change::Keep);
        }
        // What remains is the file as it was before cc-notify first changed it: put that back.
        let original = found.original.as_deref().map(serde_json::from_str::<Value>);
        if !install_it && matches!(original, Some(Ok(o)) if o == doc) {
            return Ok(Change::RestoreOriginal);
        }
        let pristine = !found
            .text
            .as_deref()
            .is_some_and(|t| t.contains(" hook --agent "));
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        Ok(Change::Write { text, pristine })
    })?;
    let shown = done.path.display();
    let mut lines = vec![match (done.changed, install_it, dry_run) {
        (Changed::No, true, _) => format!("cc-notify is already registered in {shown}"),
        (Changed::No, false, _) => format!("not registered in {shown}: nothing to remove"),
        (Changed::Yes, true, false) => format!("cc-notify registered in {shown}"),
        (Changed::Yes, false, false) if done.restored => {
            format!("cc-notify removed: {shown} is back as it was before cc-notify changed it")
        }
        (Changed::Yes, false, false) => format!("cc-notify removed from {shown}"),
        (Changed::Yes, true, true) => format!("cc-notify would be registered in {shown} (dry run)"),
        (Changed::Yes, false, true) => format!("cc-notify would be removed from {shown} (dry run)"),
    }];
    if agent == Agent::Codex && install_it {
        lines.push(CODEX_TRUST.to_owned());
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOOK: &str = "/usr/local/bin/cc-notify hook --agent codex";

    fn count_ours(doc: &Value) -> usize {
        doc.to_string().matches("cc-notify hook --agent").count()
    }

    #[test]
    fn install_keeps_foreign_hooks_and_keys_and_is_idempotent() {
        for agent in [Agent::Codex, Agent::Gemini, Agent::Copilot, Agent::Qwen] {
            let hook = command("/usr/local/bin/cc-notify hook", agent);
            let foreign =
                json!({"type": "command", "command": "notify-send hi", "bash": "notify-send hi"});
            let mut doc = json!({"theme": "dark", "hooks": {"Stop": [{"hooks": [foreign.clone()]}],
                                                         "agentStop": [foreign.clone()]}});
            install(agent, &mut doc, &hook).unwrap();
            let once = doc.clone();
            install(agent, &mut doc, &hook).unwrap();
            assert_eq!(doc, once, "{agent:?}: a second install changes nothing");
            assert_eq!(count_ours(&doc), events(agent).len(), "{agent:?}");
            assert_eq!(doc["theme"], "dark");
            assert!(doc.to_string().contains("notify-send hi"));
            uninstall(agent, &mut doc).unwrap();
            if agent == Agent::Gemini {
                // Other hooks remain, which install switched on: they stay switched on.
                let config = doc.as_object_mut().unwrap().remove("hooksConfig");
                assert_eq!(config, Some(json!({"enabled": true})));
            }
            assert_eq!(
                doc,
                json!({"theme": "dark", "hooks": {"Stop": [{"hooks": [foreign.clone()]}],
                                                  "agentStop": [foreign]}}),
                "{agent:?}: uninstall removes exactly what install added"
            );
        }
    }

    #[test]
    fn gemini_install_enables_hooks_and_uninstall_takes_it_back() {
        let mut doc = json!({});
        install(Agent::Gemini, &mut doc, HOOK).unwrap();
        assert_eq!(doc["hooksConfig"]["enabled"], true);
        assert_eq!(doc["hooks"]["AfterAgent"][0]["hooks"][0]["timeout"], 10000);
        uninstall(Agent::Gemini, &mut doc).unwrap();
        assert_eq!(doc, json!({}));
    }

    #[test]
    fn copilot_handlers_are_flat_with_bash_and_seconds() {
        let mut doc = json!({});
        install(Agent::Copilot, &mut doc, HOOK).unwrap();
        assert_eq!(doc["version"], 1);
        assert_eq!(
            doc["hooks"]["agentStop"][0],
            json!({"type": "command", "bash": HOOK, "timeoutSec": 10})
        );
    }

    #[test]
    fn broken_shapes_are_refused() {
        for doc in [
            json!([]),
            json!({"hooks": []}),
            json!({"hooks": {"Stop": {}}}),
        ] {
            let mut d = doc.clone();
            assert!(install(Agent::Codex, &mut d, HOOK).is_err(), "{doc}");
        }
    }

    #[test]
    fn our_commands_are_recognised_and_others_not() {
        assert!(is_ours("/usr/bin/cc-notify hook --agent gemini"));
        assert!(is_ours("'/home/a b/cc-notify' hook --agent qwen"));
        assert!(!is_ours("/usr/bin/cc-notify hook"));
        assert!(!is_ours("/usr/bin/other hook --agent gemini"));
        assert!(!is_ours("/usr/bin/cc-notify hook --agent gemini; rm -rf x"));
    }

    #[test]
    fn config_files_follow_the_agents_variables() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let home = env(&[("HOME", "/h")]);
        assert_eq!(
            config_file(Agent::Codex, home),
            Some(PathBuf::from("/h/.codex/hooks.json"))
        );
        let codex_home = env(&[("HOME", "/h"), ("CODEX_HOME", "/c")]);
        assert_eq!(
            config_file(Agent::Codex, codex_home),
            Some(PathBuf::from("/c/hooks.json"))
        );
        assert_eq!(
            config_file(Agent::OpenCode, env(&[("HOME", "/h")])),
            Some(PathBuf::from("/h/.config/opencode/plugins/cc-notify.js"))
        );
        assert_eq!(config_file(Agent::Gemini, env(&[])), None);
    }

    #[test]
    fn files_are_merged_in_place_and_the_plugin_comes_and_goes() {
        let dir = tempfile::tempdir().unwrap();
        let exe = Path::new("/usr/local/bin/cc-notify");
        let qwen = dir.path().join("settings.json");
        std::fs::write(
            &qwen,
            r#"{"security": {"auth": {"selectedType": "openai"}}}"#,
        )
        .unwrap();
        edit_file(Agent::Qwen, &qwen, exe, true, false).unwrap();
        let doc: Value = serde_json::from_slice(&std::fs::read(&qwen).unwrap()).unwrap();
        assert_eq!(doc["security"]["auth"]["selectedType"], "openai");
        assert_eq!(
            doc["hooks"]["Stop"][0]["hooks"][0]["command"],
            "/usr/local/bin/cc-notify hook --agent qwen"
        );
        edit_file(Agent::Qwen, &qwen, exe, false, false).unwrap();
        let doc: Value = serde_json::from_slice(&std::fs::read(&qwen).unwrap()).unwrap();
        assert_eq!(
            doc,
            json!({"security": {"auth": {"selectedType": "openai"}}})
        );

        let broken = dir.path().join("broken.json");
        std::fs::write(&broken, "{not json").unwrap();
        assert!(edit_file(Agent::Gemini, &broken, exe, true, false).is_err());
        assert_eq!(std::fs::read_to_string(&broken).unwrap(), "{not json");

        let plugin = dir.path().join("plugins").join("cc-notify.js");
        edit_file(Agent::OpenCode, &plugin, exe, true, false).unwrap();
        assert!(is_our_plugin(&std::fs::read_to_string(&plugin).unwrap()));
        remove_plugin(&plugin, false).unwrap();
        assert!(!plugin.exists());
        std::fs::write(&plugin, "export const Mine = async () => ({});").unwrap();
        assert!(
            remove_plugin(&plugin, false).is_err(),
            "someone else's file is kept"
        );
        assert!(edit_file(Agent::OpenCode, &plugin, exe, true, false).is_err());
        assert!(plugin.exists());
    }

    #[test]
    fn the_plugin_calls_the_given_binary_and_is_recognised() {
        let text = opencode_plugin("/opt/cc notify/cc-notify");
        assert!(text.contains("const CC_NOTIFY = \"/opt/cc notify/cc-notify\";"));
        assert!(is_our_plugin(&text));
        assert!(!is_our_plugin("export const Other = async () => ({});"));
    }
}
