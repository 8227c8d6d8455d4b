//! Which coding agents count as installed here, for `install` with no `--agent`, `setup` and
//! `doctor`: an agent is found installed when its program is on `PATH` or its configuration
//! directory exists (agents installed outside `PATH`, such as Claude Code's `~/.claude/local`,
//! still keep that directory).

use std::fmt;
use std::path::PathBuf;

use cc_notify_core::event::Agent;

/// The agent's program name on `PATH`.
pub fn program(agent: Agent) -> &'static str {
    match agent {
        Agent::Codex => "codex",
        Agent::Gemini => "gemini",
        Agent::Copilot => "copilot",
        Agent::OpenCode => "opencode",
        Agent::Qwen => "qwen",
        _ => "claude",
    }
}

/// Where the agent's program is on `path` (a `PATH` value), if anywhere.
pub fn on_path(agent: Agent, path: Option<&str>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path?)
        .map(|dir| dir.join(program(agent)))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The agent's own configuration directory, from `HOME` and the agent's variables:
/// `$CLAUDE_CONFIG_DIR` or `~/.claude`, `$CODEX_HOME` or `~/.codex`, `~/.gemini`,
/// `$COPILOT_HOME` or `~/.copilot`, `$XDG_CONFIG_HOME/opencode` or `~/.config/opencode`,
/// `~/.qwen`.
pub fn config_dir(agent: Agent, var: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let set = |key: &str| var(key).filter(|v| !v.is_empty()).map(PathBuf::from);
    let home = set("HOME");
    let own = |key: &str, default: &str| set(key).or_else(|| Some(home.as_ref()?.join(default)));
    match agent {
        Agent::Claude => own("CLAUDE_CONFIG_DIR", ".claude"),
        Agent::Codex => own("CODEX_HOME", ".codex"),
        Agent::Gemini => Some(home?.join(".gemini")),
        Agent::Copilot => own("COPILOT_HOME", ".copilot"),
        Agent::OpenCode => Some(own("XDG_CONFIG_HOME", ".config")?.join("opencode")),
        Agent::Qwen => Some(home?.join(".qwen")),
        _ => None,
    }
}

/// Why an agent counts as installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// Its program is on `PATH`, here.
    Program(PathBuf),
    /// Its configuration directory exists, here (its program is not on `PATH`).
    ConfigDir(PathBuf),
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::Program(p) => write!(f, "{}", p.display()),
            Evidence::ConfigDir(d) => write!(f, "{} exists", d.display()),
        }
    }
}

/// Whether `agent` is found installed (its program on `PATH`, else its configuration
/// directory), and why.
pub fn found(agent: Agent, var: impl Fn(&str) -> Option<String>) -> Option<Evidence> {
    if let Some(program) = on_path(agent, var("PATH").as_deref()) {
        return Some(Evidence::Program(program));
    }
    config_dir(agent, var)
        .filter(|d| d.is_dir())
        .map(Evidence::ConfigDir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_is_found_by_its_program_on_path_or_its_config_dir() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        let bin = h.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("qwen"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(bin.join("qwen"), std::fs::Permissions::from_mode(0o755)).unwrap();
        // Not executable: not a program.
        std::fs::write(bin.join("codex"), "").unwrap();
        std::fs::create_dir_all(h.join("xdg/opencode")).unwrap();
        std::fs::create_dir_all(h.join(".gemini")).unwrap();
        let var = |k: &str| match k {
            "HOME" => Some(h.to_string_lossy().into_owned()),
            "PATH" => Some(bin.to_string_lossy().into_owned()),
            "XDG_CONFIG_HOME" => Some(h.join("xdg").to_string_lossy().into_owned()),
            _ => None,
        };
        assert_eq!(
            found(Agent::Qwen, var),
            Some(Evidence::Program(bin.join("qwen")))
        );
        assert_eq!(
            found(Agent::Gemini, var),
            Some(Evidence::ConfigDir(h.join(".gemini")))
        );
        assert_eq!(
            found(Agent::OpenCode, var),
            Some(Evidence::ConfigDir(h.join("xdg/opencode")))
        );
        assert_eq!(found(Agent::Codex, var), None);
        assert_eq!(found(Agent::Claude, var), None);
        assert_eq!(found(Agent::Copilot, var), None);
    }
}
