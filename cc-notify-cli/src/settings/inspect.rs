//! What `doctor` reports about how cc-notify's hooks reach Claude Code: entries in settings
//! files (`cc-notify install`), the [plugin](super::plugin), both, or neither.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::SettingsError;
use super::command::our_program;
use super::events::EVENTS;
use super::locate;
use super::plugin::{enabled_plugins, plugin_binary};
use super::user_file::read_text;

/// How a program our hooks run looks on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgramStatus {
    /// It exists and is executable.
    Executable,
    /// It exists but is not executable (or not a file).
    NotExecutable,
    /// It does not exist.
    Missing,
    /// A bare name, looked up in `PATH` when the hook runs.
    OnPath,
}

/// cc-notify's registration in one settings (or plugin hooks) file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallState {
    /// The file.
    pub path: PathBuf,
    /// Whether the file exists.
    pub exists: bool,
    /// The [`EVENTS`] that run one of our commands.
    pub registered: Vec<&'static str>,
    /// The [`EVENTS`] that do not.
    pub missing: Vec<&'static str>,
    /// Other events running one of our commands (left over from another version).
    pub stray: Vec<String>,
    /// Every program our entries run, with its state on disk.
    pub programs: Vec<(String, ProgramStatus)>,
    /// Some entry runs a binary other than the running one.
    pub points_elsewhere: bool,
}

impl InstallState {
    /// At least one of our entries is present.
    pub fn is_installed(&self) -> bool {
        !self.registered.is_empty() || !self.stray.is_empty()
    }

    /// What is wrong with the registration, in words; `None` when it is complete and sound.
    pub fn problem(&self) -> Option<String> {
        let mut problems = Vec::new();
        if !self.missing.is_empty() {
            problems.push(format!("not registered for {}", self.missing.join(", ")));
        }
        if !self.stray.is_empty() {
            problems.push(format!(
                "stray entries under {} (not used any more)",
                self.stray.join(", ")
            ));
        }
        for (program, status) in &self.programs {
            match status {
                ProgramStatus::Missing => problems.push(format!("{program} does not exist")),
                ProgramStatus::NotExecutable => {
                    problems.push(format!("{program} is not executable"))
                }
                ProgramStatus::Executable | ProgramStatus::OnPath => {}
            }
        }
        if self.programs.len() > 1 {
            problems.push(format!(
                "{} different binaries registered",
                self.programs.len()
            ));
        }
        if self.points_elsewhere {
            problems.push("the hooks run a different cc-notify binary than this one".to_owned());
        }
        (!problems.is_empty()).then(|| problems.join("; "))
    }
}

/// Reads which of our hooks a settings file or a plugin's `hooks/hooks.json` (with the plugin's
/// root substituted for `${CLAUDE_PLUGIN_ROOT}`, as Claude Code does) registers. `this` is the
/// running binary: entries running another one are flagged (never for a plugin, whose launcher
/// picks the binary). A missing file is not an error (nothing is registered); a broken one is.
pub(super) fn inspect_hooks(
    path: &Path,
    plugin_root: Option<&Path>,
    this: Option<&Path>,
) -> Result<InstallState, SettingsError> {
    let text = read_text(path)?;
    let doc: Value = match &text {
        None => Value::Null,
        Some(t) => serde_json::from_str(t).map_err(|source| SettingsError::InvalidJson {
            path: path.to_owned(),
            source,
        })?,
    };
    let hooks = doc.get("hooks").and_then(Value::as_object);
    let mut state = InstallState {
        path: path.to_owned(),
        exists: text.is_some(),
        registered: Vec::new(),
        missing: Vec::new(),
        stray: Vec::new(),
        programs: Vec::new(),
        points_elsewhere: false,
    };
    for (event, list) in hooks.into_iter().flatten() {
        let ours: Vec<String> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|g| g.get("hooks")?.as_array())
            .flatten()
            .filter_map(|h| our_program(h.get("command")?.as_str()?))
            .collect();
        if ours.is_empty() {
            continue;
        }
        match EVENTS.iter().find(|s| s.name == event) {
            Some(spec) => state.registered.push(spec.name),
            None => state.stray.push(event.clone()),
        }
        for program in ours {
            let program = match plugin_root {
                Some(root) => program.replace("${CLAUDE_PLUGIN_ROOT}", &root.to_string_lossy()),
                None => program,
            };
            if !state.programs.iter().any(|(p, _)| *p == program) {
                let status = program_status(&program);
                state.programs.push((program, status));
            }
        }
    }
    state.missing = EVENTS
        .iter()
        .map(|s| s.name)
        .filter(|n| !state.registered.contains(n))
        .collect();
    state.points_elsewhere = plugin_root.is_none()
        && state.programs.iter().any(|(p, status)| {
            *status != ProgramStatus::OnPath && fs::canonicalize(p).ok().as_deref() != this
        });
    Ok(state)
}

pub(super) fn program_status(program: &str) -> ProgramStatus {
    if !program.contains('/') {
        return ProgramStatus::OnPath;
    }
    match fs::metadata(program) {
        Err(_) => ProgramStatus::Missing,
        Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => ProgramStatus::Executable,
        Ok(_) => ProgramStatus::NotExecutable,
    }
}

/// How bad a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// All is well.
    Ok,
    /// Works, but not as it should.
    Warn,
    /// Pushes will not come.
    Fail,
}

/// One line of `doctor`'s report on the hooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad it is.
    pub level: Level,
    /// What was found.
    pub what: String,
    /// What to do about it (empty for [`Level::Ok`]).
    pub fix: String,
}

impl Finding {
    fn new(level: Level, what: impl Into<String>, fix: impl Into<String>) -> Self {
        Finding {
            level,
            what: what.into(),
            fix: fix.into(),
        }
    }
}

/// The finding that neither Claude Code's settings nor its plugin register cc-notify (a
/// failure only when no other agent has cc-notify either: `doctor` decides).
pub const NOT_REGISTERED: &str = "cc-notify's hooks are not registered with Claude Code";

/// Whether `findings` (from [`hook_findings`]) have cc-notify registered with Claude Code.
pub fn registered_with_claude(findings: &[Finding]) -> bool {
    !findings.iter().any(|f| f.what == NOT_REGISTERED)
}

/// `doctor`'s findings on the hooks, from the process's environment and working directory.
pub fn hook_findings() -> Vec<Finding> {
    let env = |name: &str| std::env::var(name).ok();
    let cwd = std::env::current_dir().ok();
    let settings = locate::candidate_paths(&env, cwd.as_deref());
    let plugins = locate::plugins_dir(&env);
    let this = std::env::current_exe().and_then(fs::canonicalize).ok();
    findings(
        &settings,
        plugins.as_deref(),
        this.as_deref(),
        plugin_binary(&env).as_deref(),
    )
}

/// The findings on the hooks: each settings file with our entries, each enabled plugin (from
/// Claude Code's records in `plugins_dir`), and whether the hooks run once per event (neither
/// route: none; both: twice). `binary` is what the plugin's launcher would run.
pub fn findings(
    settings: &[PathBuf],
    plugins_dir: Option<&Path>,
    this: Option<&Path>,
    binary: Option<&Path>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut in_settings = Vec::new();
    for path in settings {
        match inspect_hooks(path, None, this) {
            Ok(state) if state.is_installed() => {
                in_settings.push(path.clone());
                out.push(match state.problem() {
                    None => Finding::new(
                        Level::Ok,
                        format!("hooks registered in {}", path.display()),
                        "",
                    ),
                    Some(p) => Finding::new(
                        Level::Fail,
                        format!("hooks in {}: {p}", path.display()),
                        "run `cc-notify install` again",
                    ),
                });
            }
            Ok(_) => {}
            Err(e) => out.push(Finding::new(
                Level::Fail,
                format!("{}: {e}", path.display()),
                "fix the file by hand; cc-notify will not touch it while it is broken",
            )),
        }
    }
    let plugins = enabled_plugins(settings, plugins_dir);
    for plugin in &plugins {
        let key = &plugin.key;
        let shown = plugin.enabled_in.display();
        out.push(match (&plugin.hooks, binary) {
            (None, _) => Finding::new(
                Level::Fail,
                format!("plugin {key} is enabled in {shown} but not installed"),
                format!("run `claude plugin install {key}`, or remove it from enabledPlugins"),
            ),
            (Some(hooks), _) if hooks.problem().is_some() || !hooks.is_installed() => Finding::new(
                Level::Fail,
                format!(
                    "plugin {key}: {}",
                    hooks
                        .problem()
                        .unwrap_or_else(|| "its hooks.json registers no hooks".to_owned())
                ),
                format!(
                    "update it: `claude plugin marketplace update {}`, then \
                     `claude plugin update {key}`",
                    key.split_once('@').map_or("", |(_, m)| m)
                ),
            ),
            (Some(_), None) => Finding::new(
                Level::Fail,
                format!("plugin {key} is enabled, but it finds no cc-notify binary to run"),
                "run `scripts/install.sh --no-register` in a cc-notify checkout \
                 (it installs to ~/.cargo/bin), or put cc-notify on PATH",
            ),
            (Some(_), Some(bin)) => Finding::new(
                Level::Ok,
                format!(
                    "plugin {key} enabled in {shown}; its hooks run {}",
                    bin.display()
                ),
                "",
            ),
        });
    }
    match (in_settings.is_empty(), plugins.is_empty()) {
        (true, true) => out.push(Finding::new(
            Level::Fail,
            NOT_REGISTERED,
            "run `cc-notify install` (or install the plugin, see the README; \
             a plugin loaded with --plugin-dir is not visible from here)",
        )),
        (false, false) => out.push(Finding::new(
            Level::Warn,
            "both the plugin and `cc-notify install` register the hooks: each event runs \
             cc-notify twice",
            "keep one: `cc-notify uninstall` (the plugin stays), or \
             `claude plugin uninstall cc-notify`",
        )),
        _ => {}
    }
    out
}
