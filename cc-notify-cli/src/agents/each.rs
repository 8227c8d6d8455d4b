//! `install` and `uninstall` over several agents at once: with no `--agent`, install registers
//! cc-notify with every agent [found installed](super::found) (Claude Code when none is found)
//! and uninstall removes it from every agent where it is registered; `--agent all` means every
//! supported agent. Each agent gets the same treatment as `--agent NAME` alone; one agent's
//! broken file stops only that agent, and the exit status says something failed.

use std::process::ExitCode;

use cc_notify_core::event::Agent;

use super::found::{Evidence, found};

/// Which agents a command with no single `--agent` covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Targets {
    /// Install: every agent found installed (Claude Code when none is); uninstall: every agent.
    Found,
    /// Every supported agent.
    All,
}

/// The agents `install` registers with for `targets`, each with why it counts as installed
/// (`None`: not found, taken because `--agent all`, or Claude Code as the fallback).
pub fn install_targets(
    targets: Targets,
    var: impl Fn(&str) -> Option<String> + Copy,
) -> Vec<(Agent, Option<Evidence>)> {
    let all = Agent::ALL.into_iter().map(|a| (a, found(a, var)));
    match targets {
        Targets::All => all.collect(),
        Targets::Found => {
            let found: Vec<_> = all.filter(|(_, e)| e.is_some()).collect();
            if found.is_empty() {
                vec![(Agent::Claude, None)]
            } else {
                found
            }
        }
    }
}

/// Prints an agent's lines: the first after its name, the others indented below.
pub fn print(agent: Agent, lines: &[String]) {
    let mut lines = lines.iter().flat_map(|l| l.lines());
    println!(
        "{}: {}",
        agent.display_name(),
        lines.next().unwrap_or_default()
    );
    for line in lines {
        println!("    {line}");
    }
}

/// Installs (or removes) cc-notify for one agent, Claude Code's user settings included.
fn one(agent: Agent, install: bool, dry_run: bool) -> Result<Vec<String>, String> {
    if agent == Agent::Claude {
        let opts = crate::settings::Options {
            dry_run,
            ..Default::default()
        };
        return crate::settings::run(install, opts).map_err(|e| e.to_string());
    }
    super::run(agent, install, dry_run).map_err(|e| e.to_string())
}

/// `install` / `uninstall` over `targets`, printing per agent what was done; fails when any
/// agent failed (the others are still done).
pub fn run_command(targets: Targets, install: bool, dry_run: bool) -> ExitCode {
    let env = |k: &str| std::env::var(k).ok();
    let agents: Vec<Agent> = if install {
        let chosen = install_targets(targets, env);
        println!("{}", intro(targets, &chosen));
        chosen.into_iter().map(|(a, _)| a).collect()
    } else {
        Agent::ALL.to_vec()
    };
    let mut failed = Vec::new();
    for agent in agents {
        match one(agent, install, dry_run) {
            Ok(lines) => print(agent, &lines),
            Err(e) => {
                eprintln!("cc-notify: {}: {e}", agent.display_name());
                failed.push(agent.display_name());
            }
        }
    }
    if install && !dry_run {
        crate::settings::print_next_step();
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "cc-notify: failed for {} (see above); the other agents were done",
            failed.join(", ")
        );
        ExitCode::FAILURE
    }
}

/// The first line of `install` over several agents: which were found, and how.
fn intro(targets: Targets, chosen: &[(Agent, Option<Evidence>)]) -> String {
    if targets == Targets::All {
        return "registering cc-notify with every supported agent".to_owned();
    }
    if let [(Agent::Claude, None)] = chosen {
        return "no coding agent found installed (none on PATH, no config directory): \
                registering with Claude Code"
            .to_owned();
    }
    let found: Vec<String> = chosen
        .iter()
        .filter_map(|(a, e)| Some(format!("{} ({})", a.display_name(), e.as_ref()?)))
        .collect();
    format!("agents found installed: {}", found.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_code_is_the_fallback_only_when_no_agent_is_found() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path().to_string_lossy().into_owned();
        let var = |k: &str| (k == "HOME").then(|| h.clone());
        assert_eq!(
            install_targets(Targets::Found, var),
            vec![(Agent::Claude, None)]
        );
        assert_eq!(install_targets(Targets::All, var).len(), Agent::ALL.len());

        std::fs::create_dir(home.path().join(".qwen")).unwrap();
        let chosen = install_targets(Targets::Found, var);
        assert_eq!(
            chosen,
            vec![(
                Agent::Qwen,
                Some(Evidence::ConfigDir(home.path().join(".qwen")))
            )]
        );
        assert!(intro(Targets::Found, &chosen).contains("Qwen Code"));
    }
}
