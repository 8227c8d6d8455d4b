//! The command line: its one definition ([`Cli`]), from which `--help`, `help COMMAND`, the
//! shell completions and the man page are all generated, and its dispatch ([`run`]).
//!
//! `hook` and `deliver` are matched on their first argument before any parser runs: they are
//! what Claude Code and the hook start, and their time and memory are the product's.
//!
//! Exit codes: 0 all is well, 1 something is wrong (a failed check, a refused push, a broken
//! config), 2 the command line itself is wrong.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use cc_notify_core::Kind;
use cc_notify_core::event::Agent;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

const FILES: &str = "\
Files:
  config  $CC_NOTIFY_CONFIG, else $XDG_CONFIG_HOME/cc-notify/config.toml,
          else ~/.config/cc-notify/config.toml
  state   $CC_NOTIFY_STATE_DIR, else $XDG_STATE_HOME/cc-notify, else ~/.local/state/cc-notify

Exit codes: 0 ok, 1 something is wrong, 2 usage error.";

/// `cc-notify`'s command line.
#[derive(Debug, Parser)]
#[command(
    name = "cc-notify",
    version,
    about = "A push to your phone when Claude Code finishes, fails or needs input, \
             only when you have walked away.",
    after_help = FILES,
    arg_required_else_help = true,
    help_expected = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set cc-notify up: where pushes go and their keys, a test push, the hooks, a typing check.
    Setup(crate::setup::SetupArgs),
    /// Register cc-notify's hooks with every coding agent found installed (or with --agent's).
    Install(SettingsArgs),
    /// Remove cc-notify's hooks from every agent (or from --agent's), and nothing else.
    Uninstall(SettingsArgs),
    /// Send one notification now through the configured backends (or one, with --to).
    Send(SendArgs),
    /// Check config, credentials, each coding agent's hooks, state dir and terminal detection.
    Doctor,
    /// Live sessions, pending pushes, mutes, quiet hours and recent decisions.
    Status,
    /// What each presence probe (terminal, tmux, X11, GNOME, logind, Claude Code) sees now.
    Presence,
    /// Silence pushes (every push, or this project's) for a while or until `unmute`.
    Mute(crate::mute::MuteArgs),
    /// Lift mutes set by `mute`.
    Unmute(crate::mute::UnmuteArgs),
    /// The decision log, newest last.
    Log(LogArgs),
    /// Replay a recorded Claude Code session through the real pipeline.
    Demo,
    /// What a coding agent runs for each hook event: reads the event's JSON on stdin.
    ///
    /// Not for running by hand: with a terminal on stdin it prints this help and exits 0.
    Hook {
        /// The agent whose event it is (detected from the payload without it).
        #[arg(long, value_enum)]
        agent: Option<AgentArg>,
        /// The event's JSON as an argument instead of on stdin (Codex's `notify`).
        payload: Option<String>,
    },
    /// Print the version.
    Version,
    /// Print a shell completion script (for example `cc-notify completions bash`).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff; for example `cc-notify man > cc-notify.1`).
    Man,
}

/// Where `install` and `uninstall` work.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// The coding agent whose configuration to change, or `all` (every supported agent).
    /// Without it, install registers every agent found installed (its program on PATH, or its
    /// config directory present: ~/.claude, ~/.codex, ~/.gemini, ~/.copilot,
    /// ~/.config/opencode, ~/.qwen), Claude Code when none is found; uninstall removes cc-notify
    /// from every agent where it is registered. --project, --settings and --force apply to
    /// Claude Code only (without --agent they mean Claude Code only).
    #[arg(long, value_enum, value_name = "AGENT")]
    pub agent: Option<AgentsArg>,
    /// The project's .claude/settings.json instead of your user settings.
    #[arg(long)]
    pub project: bool,
    /// This settings file instead.
    #[arg(long, value_name = "FILE", conflicts_with = "project")]
    pub settings: Option<PathBuf>,
    /// Show the change without writing it.
    #[arg(long)]
    pub dry_run: bool,
    /// Write a read-only settings file, or one owned by another user.
    #[arg(long)]
    pub force: bool,
}

/// A coding agent on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgentArg {
    /// Claude Code.
    Claude,
    /// OpenAI Codex CLI.
    Codex,
    /// Google Gemini CLI.
    Gemini,
    /// GitHub Copilot CLI.
    Copilot,
    /// OpenCode.
    Opencode,
    /// Qwen Code.
    Qwen,
}

/// The agents `install` and `uninstall` take: one, or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgentsArg {
    /// Claude Code.
    Claude,
    /// OpenAI Codex CLI.
    Codex,
    /// Google Gemini CLI.
    Gemini,
    /// GitHub Copilot CLI.
    Copilot,
    /// OpenCode.
    Opencode,
    /// Qwen Code.
    Qwen,
    /// Every supported agent.
    All,
}

impl AgentsArg {
    /// The one agent meant, `None` for `all`.
    fn agent(self) -> Option<Agent> {
        Some(match self {
            AgentsArg::Claude => Agent::Claude,
            AgentsArg::Codex => Agent::Codex,
            AgentsArg::Gemini => Agent::Gemini,
            AgentsArg::Copilot => Agent::Copilot,
            AgentsArg::Opencode => Agent::OpenCode,
            AgentsArg::Qwen => Agent::Qwen,
            AgentsArg::All => return None,
        })
    }
}

impl From<AgentArg> for Agent {
    fn from(a: AgentArg) -> Agent {
        match a {
            AgentArg::Claude => Agent::Claude,
            AgentArg::Codex => Agent::Codex,
            AgentArg::Gemini => Agent::Gemini,
            AgentArg::Copilot => Agent::Copilot,
            AgentArg::Opencode => Agent::OpenCode,
            AgentArg::Qwen => Agent::Qwen,
        }
    }
}

impl From<SettingsArgs> for crate::settings::Options {
    fn from(a: SettingsArgs) -> Self {
        Self {
            project: a.project,
            file: a.settings,
            dry_run: a.dry_run,
            force: a.force,
        }
    }
}

/// What `send` sends.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// The message.
    pub message: String,
    /// The title.
    #[arg(short, long, default_value = "cc-notify test")]
    pub title: String,
    /// The kind of push, which picks its priority and sound.
    #[arg(short, long, value_enum, default_value_t = KindArg::Done)]
    pub kind: KindArg,
    /// Send through this one backend only (pushover, ntfy, desktop, telegram, webhook,
    /// command); without it, through every backend routing gives the kind.
    #[arg(long, value_name = "NAME")]
    pub to: Option<String>,
}

/// A push's kind on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// A finished turn.
    Done,
    /// A failed turn.
    Error,
    /// The agent waits for you.
    #[value(alias = "needs-input", alias = "needs_input")]
    Input,
    /// An intermediate message.
    Progress,
}

impl From<KindArg> for Kind {
    fn from(k: KindArg) -> Kind {
        match k {
            KindArg::Done => Kind::Done,
            KindArg::Error => Kind::Error,
            KindArg::Input => Kind::NeedsInput,
            KindArg::Progress => Kind::Progress,
        }
    }
}

/// What `log` shows or does.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// How many of the newest lines to show.
    #[arg(short = 'n', long, value_name = "N", default_value_t = 20)]
    pub lines: usize,
    /// Empty the decision log (for example after a test run by hand), then exit.
    #[arg(long, conflicts_with = "lines")]
    pub clear: bool,
}

/// Runs the command line `args` (without the program name).
pub fn run(args: Vec<OsString>) -> ExitCode {
    // Matched as bytes: no UTF-8 check and no parser on the way to `deliver`, whose memory
    // while it waits is what it ran before, or to `hook`, which runs once per agent event.
    match args.first().map(|a| a.as_encoded_bytes()) {
        Some(b"deliver") => return crate::deliver::run(args.into_iter().skip(1).collect()),
        Some(b"hook") if !asks_for_help(&args) => return hook(&args[1..]),
        _ => {}
    }
    let cli = match Cli::try_parse_from(std::iter::once(OsString::from("cc-notify")).chain(args)) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    match cli.command {
        Command::Install(a) => settings_command(a, true),
        Command::Uninstall(a) => settings_command(a, false),
        Command::Send(a) => crate::send::run(a),
        Command::Doctor => crate::doctor::run(),
        Command::Status => crate::status::run(),
        Command::Presence => crate::presence_view::run(),
        Command::Mute(a) => crate::mute::run_mute(a),
        Command::Unmute(a) => crate::mute::run_unmute(a),
        Command::Setup(a) => crate::setup::run(a),
        Command::Log(a) => crate::log_view::run(a),
        Command::Demo => crate::demo::run(),
        Command::Hook { agent, payload } => {
            let mut args = Vec::new();
            if let Some(agent) = agent {
                args.extend(["--agent".into(), Agent::from(agent).id().into()]);
            }
            args.extend(payload.map(OsString::from));
            hook(&args)
        }
        Command::Version => {
            println!("cc-notify {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "cc-notify", &mut stdout());
            ExitCode::SUCCESS
        }
        Command::Man => match clap_mangen::Man::new(Cli::command()).render(&mut stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("cc-notify: cannot write the man page: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

fn stdout() -> impl Write {
    std::io::stdout().lock()
}

/// Whether `hook`'s arguments ask for its help. Others are ignored, as the hook always has.
fn asks_for_help(args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .any(|a| matches!(a.as_encoded_bytes(), b"-h" | b"--help"))
}

/// `install` or `uninstall`: Claude Code's settings, another agent's configuration, or every
/// agent's (see [`crate::agents::each`]).
fn settings_command(a: SettingsArgs, install: bool) -> ExitCode {
    use crate::agents::each::{Targets, run_command};
    let claude_only = a.project || a.settings.is_some() || a.force;
    match a.agent.map(|arg| (arg, arg.agent())) {
        None if claude_only => crate::settings::run_command(install, a.into()),
        Some((_, Some(Agent::Claude))) => crate::settings::run_command(install, a.into()),
        Some((arg, _)) if claude_only => usage_error(format!(
            "--project, --settings and --force apply to Claude Code only, not --agent {}",
            arg.to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_owned())
        )),
        Some((_, Some(agent))) => crate::agents::run_command(agent, install, a.dry_run),
        Some((_, None)) => run_command(Targets::All, install, a.dry_run),
        None => run_command(Targets::Found, install, a.dry_run),
    }
}

/// `cc-notify hook`: the hook, unless a person typed it at a terminal, who gets its help
/// (on stderr: a hook's stdout is the agent's) and exit 0 instead of a hook that waits for
/// JSON and then logs a failure. `args` are the words after `hook`; a payload given as the
/// last word (Codex's `notify`) needs no stdin.
fn hook(args: &[OsString]) -> ExitCode {
    let payload_given = args
        .last()
        .is_some_and(|a| a.as_encoded_bytes().trim_ascii_start().starts_with(b"{"));
    if !payload_given && std::io::stdin().is_terminal() {
        let mut cmd = Cli::command();
        cmd.build();
        if let Some(hook) = cmd.find_subcommand_mut("hook") {
            eprint!("{}", hook.render_long_help());
        }
        return ExitCode::SUCCESS;
    }
    // The hook must never fail Claude Code: whatever happens, exit 0 and print nothing.
    crate::hook::run(args);
    ExitCode::SUCCESS
}

/// Prints a usage error and gives exit code 2.
pub fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("cc-notify: {msg}");
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
