//! Each agent as `doctor` and `status` report it: whether it is installed, whether cc-notify is
//! registered in its configuration (and, for Codex, whether the hooks look trusted), and the
//! last event cc-notify saw from it (from the decision log).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cc_notify_core::decision_log;
use cc_notify_core::event::Agent;
use cc_notify_core::store::StateDir;
use serde_json::Value;

use super::found::{found, program};
use super::{CODEX_TRUST, config_file, is_our_plugin, is_ours};
use crate::settings::locate::user_settings_path;
use crate::time_text::duration;

/// How much a line matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// All is well.
    Ok,
    /// Worth knowing, nothing to fix.
    Info,
    /// Pushes from this agent will not come until the fix is made.
    Warn,
}

/// One line about one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How much it matters.
    pub level: Level,
    /// What was found.
    pub what: String,
    /// What to do about it (empty when nothing).
    pub fix: String,
}

/// Whether cc-notify is registered in an agent's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    /// cc-notify's hooks (or plugin) are in this file.
    Registered(PathBuf),
    /// This file does not exist or holds none of cc-notify's hooks.
    Missing(PathBuf),
    /// This file cannot be read or is not valid JSON.
    Unreadable(PathBuf, String),
    /// The file's place is unknown (no `HOME`).
    Unknown,
}

/// Whether cc-notify is registered for `agent` (not Claude Code: `doctor` checks its settings
/// files on its own).
pub fn registration(agent: Agent, var: impl Fn(&str) -> Option<String>) -> Registration {
    let Some(file) = config_file(agent, var) else {
        return Registration::Unknown;
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Registration::Missing(file);
        }
        Err(e) => return Registration::Unreadable(file, e.to_string()),
    };
    let ours = if agent == Agent::OpenCode {
        is_our_plugin(&text)
    } else {
        match serde_json::from_str::<Value>(&text) {
            Ok(doc) => has_our_command(&doc),
            Err(e) => return Registration::Unreadable(file, format!("not valid JSON: {e}")),
        }
    };
    if ours {
        Registration::Registered(file)
    } else {
        Registration::Missing(file)
    }
}

/// Whether any string in `doc` is a cc-notify hook command.
fn has_our_command(doc: &Value) -> bool {
    match doc {
        Value::String(s) => is_ours(s),
        Value::Array(items) => items.iter().any(has_our_command),
        Value::Object(map) => map.values().any(has_our_command),
        _ => false,
    }
}

/// What Codex's `config.toml` next to `hooks` says about trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodexTrust {
    /// No hook trust recorded at all.
    None,
    /// Trust recorded, but `hooks.json` was rewritten since (which un-trusts its hooks).
    Stale,
    /// Trust recorded after `hooks.json` was last written.
    Recorded,
}

/// Codex's trust state for the hooks in `hooks` (its `hooks.json`), judged from the
/// `[hooks.state."…"] trusted_hash` entries of the `config.toml` beside it and the two files'
/// modification times: the hash itself is Codex's to check.
pub fn codex_trust(hooks: &Path) -> CodexTrust {
    let config = hooks.with_file_name("config.toml");
    let trusted = std::fs::read_to_string(&config)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("hooks")?.get("state")?.as_table().cloned())
        .is_some_and(|states| {
            states
                .values()
                .any(|s| s.get("trusted_hash").is_some_and(toml::Value::is_str))
        });
    if !trusted {
        return CodexTrust::None;
    }
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(hooks), modified(&config)) {
        (Some(h), Some(c)) if h > c => CodexTrust::Stale,
        _ => CodexTrust::Recorded,
    }
}

/// The last event seen from each agent: its name and when (Unix ms), from the newest
/// `lines` records of the decision log.
pub fn last_events(dir: &StateDir, lines: usize) -> HashMap<Agent, (String, u64)> {
    let mut seen = HashMap::new();
    for rec in decision_log::read_last(dir, lines).unwrap_or_default() {
        if let (Some(agent), Some(event)) = (rec.agent, rec.event) {
            seen.insert(agent, (event, rec.ts_ms));
        }
    }
    seen
}

/// One finding per agent (two for Codex when its trust needs doing): found installed (see
/// [`super::found`]), registered, last event. `claude_registered` says whether Claude Code's
/// settings or plugin register cc-notify (the settings check reports the details).
/// An installed agent without cc-notify is a warning.
pub fn findings(
    var: impl Fn(&str) -> Option<String> + Copy,
    claude_registered: bool,
    seen: &HashMap<Agent, (String, u64)>,
    now_ms: u64,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for agent in Agent::ALL {
        let name = agent.display_name();
        let evidence = found(agent, var);
        let last = match seen.get(&agent) {
            Some((event, ts)) => format!(
                "last event {event} {} ago",
                duration(now_ms.saturating_sub(*ts))
            ),
            None => "no event seen yet".to_owned(),
        };
        let at = evidence.as_ref().map_or_else(
            || format!("not found ({} not on PATH, no config dir)", program(agent)),
            |e| format!("installed ({e})"),
        );
        let install = format!("`cc-notify install --agent {}`", agent.id());
        let registration = if agent == Agent::Claude {
            match (claude_registered, user_settings_path(&var)) {
                (true, Some(file)) => Registration::Registered(file),
                (false, Some(file)) => Registration::Missing(file),
                (_, None) => Registration::Unknown,
            }
        } else {
            registration(agent, var)
        };
        let registered = matches!(registration, Registration::Registered(_));
        out.push(match (registration, &evidence) {
            (Registration::Registered(file), _) => Finding {
                level: if evidence.is_some() {
                    Level::Ok
                } else {
                    Level::Warn
                },
                what: if agent == Agent::Claude {
                    format!("{name}: {at}; cc-notify registered (see above); {last}")
                } else {
                    format!(
                        "{name}: {at}; cc-notify registered in {}; {last}",
                        file.display()
                    )
                },
                fix: if evidence.is_some() {
                    String::new()
                } else {
                    format!(
                        "install {name}, or `cc-notify uninstall --agent {}`",
                        agent.id()
                    )
                },
            },
            (Registration::Missing(_), None) => Finding {
                level: Level::Info,
                what: match seen.get(&agent) {
                    Some(_) => format!("{name}: {at}; {last}"),
                    None => format!("{name}: not installed"),
                },
                fix: String::new(),
            },
            (Registration::Missing(file), Some(_)) => Finding {
                level: Level::Warn,
                what: format!(
                    "{name}: {at}; cc-notify is not registered (in {}), so it sends no push \
                     for {name}",
                    file.display()
                ),
                fix: format!("{install} (or `cc-notify install` for every agent found)"),
            },
            (Registration::Unreadable(file, e), _) => Finding {
                level: Level::Warn,
                what: format!("{name}: {}: {e}", file.display()),
                fix: format!("fix the file, then {install}"),
            },
            (Registration::Unknown, _) => Finding {
                level: Level::Warn,
                what: format!("{name}: cannot locate its configuration"),
                fix: "set HOME".to_owned(),
            },
        });
        if agent == Agent::Codex
            && registered
            && let Some(file) = config_file(agent, var)
        {
            out.push(match codex_trust(&file) {
                CodexTrust::Recorded => Finding {
                    level: Level::Ok,
                    what: "Codex: hook trust recorded in config.toml after hooks.json was written"
                        .to_owned(),
                    fix: String::new(),
                },
                CodexTrust::Stale => Finding {
                    level: Level::Warn,
                    what: "Codex: hooks.json changed since its hooks were last trusted, so Codex \
                           skips them"
                        .to_owned(),
                    fix: CODEX_TRUST.to_owned(),
                },
                CodexTrust::None => Finding {
                    level: Level::Warn,
                    what: "Codex: its hooks are not trusted yet, so Codex skips them".to_owned(),
                    fix: CODEX_TRUST.to_owned(),
                },
            });
        }
    }
    out
}

/// Whether cc-notify is registered for at least one agent (Claude Code: in its settings or
/// plugin): `doctor` fails only when not. An agent with cc-notify in its files is found
/// installed, since those files are in its configuration directory.
pub fn registered_anywhere(
    var: impl Fn(&str) -> Option<String> + Copy,
    claude_registered: bool,
) -> bool {
    claude_registered
        || Agent::ALL.into_iter().any(|agent| {
            agent != Agent::Claude
                && matches!(registration(agent, var), Registration::Registered(_))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(home: &Path) -> impl Fn(&str) -> Option<String> + Copy + '_ {
        move |k| match k {
            "HOME" => Some(home.to_string_lossy().into_owned()),
            "PATH" => Some(home.join("bin").to_string_lossy().into_owned()),
            _ => None,
        }
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn executable(path: &Path) {
        use std::os::unix::fs::PermissionsExt;
        write(path, "#!/bin/sh\n");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn line<'a>(found: &'a [Finding], start: &str) -> Vec<&'a Finding> {
        found.iter().filter(|f| f.what.starts_with(start)).collect()
    }

    #[test]
    fn installed_registered_and_last_event_are_reported_per_agent() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        executable(&h.join("bin/gemini"));
        executable(&h.join("bin/qwen"));
        write(
            &h.join(".gemini/settings.json"),
            r#"{"hooks":{"AfterAgent":[{"hooks":[{"type":"command","command":"/x/cc-notify hook --agent gemini"}]}]}}"#,
        );
        write(&h.join(".qwen/settings.json"), r#"{"theme":"dark"}"#);
        let seen = HashMap::from([(Agent::Gemini, ("AfterAgent".to_owned(), 1_000))]);
        let found = findings(env(h), false, &seen, 61_000);

        let gemini = line(&found, "Gemini CLI");
        assert_eq!(gemini.len(), 1);
        assert_eq!(gemini[0].level, Level::Ok);
        assert!(gemini[0].what.contains("registered in"), "{gemini:?}");
        assert!(
            gemini[0].what.contains("last event AfterAgent 1m 00s ago"),
            "{gemini:?}"
        );

        // Installed without cc-notify: a warning saying how to register it.
        let qwen = line(&found, "Qwen Code");
        assert_eq!(qwen[0].level, Level::Warn, "{qwen:?}");
        assert!(qwen[0].what.contains("not registered"), "{qwen:?}");
        assert!(qwen[0].fix.contains("--agent qwen"), "{qwen:?}");
        assert!(registered_anywhere(env(h), false));
        let claude = line(&found, "Claude Code");
        assert_eq!(claude[0].what, "Claude Code: not installed", "{claude:?}");

        assert_eq!(
            line(&found, "Copilot CLI")[0].what,
            "Copilot CLI: not installed"
        );
    }

    #[test]
    fn codex_hooks_need_trust_after_every_rewrite() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        executable(&h.join("bin/codex"));
        let hooks = h.join(".codex/hooks.json");
        write(
            &hooks,
            r#"{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"'/x/cc-notify' hook --agent codex"}]}]}}"#,
        );
        let found = findings(env(h), false, &HashMap::new(), 0);
        let codex = line(&found, "Codex");
        assert_eq!(codex.len(), 2, "{codex:?}");
        assert_eq!(codex[1].level, Level::Warn);
        assert!(codex[1].what.contains("not trusted"), "{codex:?}");
        assert!(codex[1].fix.contains("/hooks"), "{codex:?}");

        write(
            &h.join(".codex/config.toml"),
            "[hooks.state.\"stop:0\"]\ntrusted_hash = \"sha256:ab\"\n",
        );
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        let file = std::fs::File::options().write(true).open(&hooks).unwrap();
        file.set_modified(old).unwrap();
        assert_eq!(codex_trust(&hooks), CodexTrust::Recorded);

        // install rewrites hooks.json: the trust is stale.
        let file = std::fs::File::options().write(true).open(&hooks).unwrap();
        file.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(60))
            .unwrap();
        assert_eq!(codex_trust(&hooks), CodexTrust::Stale);
    }
}
