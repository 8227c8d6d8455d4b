//! `cc-notify install` / `uninstall`: cc-notify's hooks merged into Claude Code's
//! `settings.json`, the plugin's `hooks/hooks.json` generated from the same table, and what
//! `doctor` says about both.
//!
//! - [`events`]: the events registered (one table for `install` and the plugin);
//! - [`command`]: recognising our hook commands among everyone else's;
//! - [`merge`]: the pure merge into and out of a settings document;
//! - [`user_file`]: safely editing a file a person keeps (links, permissions, byte-order mark,
//!   line endings, the original kept, atomic writes), for any agent's files;
//! - [`locate`]: where Claude Code keeps settings and plugins;
//! - [`plugin`]: the Claude Code plugin: its hooks file, where Claude Code runs it from;
//! - [`inspect`]: the registration as `doctor` reports it, plugin included.

pub mod command;
pub mod events;
pub mod inspect;
pub mod locate;
pub mod merge;
pub mod plugin;
pub mod user_file;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Map, Value};

pub use command::hook_command;
pub use inspect::{Level, hook_findings};
pub use merge::{install, uninstall};
pub use user_file::{Change, Changed, Edit, EditOptions, FileError, JsonStyle};

/// Why settings could not be read, merged or written. Every variant leaves the original file
/// byte-for-byte as it was.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Reading or writing the file failed, or it is not the user's to change.
    #[error(transparent)]
    File(#[from] FileError),
    /// Something other than the file could not be read (the working directory, the binary).
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON; the error names line and column.
    #[error("{}: not valid JSON ({source}); left untouched, fix it by hand", path.display())]
    InvalidJson {
        /// The settings file.
        path: PathBuf,
        /// The parse error, with line and column.
        #[source]
        source: serde_json::Error,
    },
    /// The JSON does not have the shape of Claude Code settings.
    #[error("{}{problem}; left untouched, fix it by hand", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Shape {
        /// The settings file, when there is one.
        path: Option<PathBuf>,
        /// What is wrong (`"hooks" is not an object`).
        problem: String,
    },
    /// The cc-notify binary's path cannot be written into a JSON string.
    #[error("the path of the cc-notify binary is not UTF-8: {}", .0.display())]
    NonUtf8Path(PathBuf),
    /// The command to register would not be recognised as ours later (the binary is not
    /// named `cc-notify`), so install could not stay idempotent.
    #[error("{0:?} does not run a binary named cc-notify; rename the binary to cc-notify")]
    NotOurCommand(String),
    /// No settings file can be located.
    #[error(
        "cannot locate Claude Code's settings: set HOME or CLAUDE_CONFIG_DIR, or pass --settings FILE"
    )]
    NoHome,
}

impl SettingsError {
    fn shape(problem: impl Into<String>) -> Self {
        SettingsError::Shape {
            path: None,
            problem: problem.into(),
        }
    }

    fn in_file(self, file: &Path) -> Self {
        match self {
            SettingsError::Shape { problem, .. } => SettingsError::Shape {
                path: Some(file.to_owned()),
                problem,
            },
            other => other,
        }
    }
}

/// A settings document from a file's text; an empty (or blank) file is an empty object.
fn parse(text: Option<&str>, path: &Path) -> Result<Value, SettingsError> {
    match text {
        Some(t) if !t.trim().is_empty() => {
            serde_json::from_str(t).map_err(|source| SettingsError::InvalidJson {
                path: path.to_owned(),
                source,
            })
        }
        _ => Ok(Value::Object(Map::new())),
    }
}

/// Registers the hooks running `command` in the settings file at `path` (created, with its
/// directory, when missing), keeping the file's layout. See [`install`] for the merge and
/// [`user_file`] for how the file is treated.
pub fn install_file(path: &Path, command: &str, opts: EditOptions) -> Result<Edit, SettingsError> {
    user_file::edit(path, opts, |found| {
        let doc = parse(found.text.as_deref(), path)?;
        let pristine = !merge::has_ours(&doc);
        let (doc, changed) = install(doc, command).map_err(|e| e.in_file(path))?;
        Ok(match changed {
            Changed::No => Change::Keep,
            Changed::Yes => Change::Write {
                text: JsonStyle::detect(found.text.as_deref()).render(&doc),
                pristine,
            },
        })
    })
}

/// Removes cc-notify's hooks from the settings file at `path`; a missing file is left missing.
/// When what remains is the file as it was before cc-notify first changed it, that file is put
/// back byte for byte.
pub fn uninstall_file(path: &Path, opts: EditOptions) -> Result<Edit, SettingsError> {
    user_file::edit(path, opts, |found| {
        let Some(text) = found.text.as_deref() else {
            return Ok(Change::Keep);
        };
        let (doc, changed) = uninstall(parse(Some(text), path)?);
        if changed == Changed::No {
            return Ok(Change::Keep);
        }
        let original = found.original.as_deref().map(|t| parse(Some(t), path));
        if let Some(Ok(original)) = original
            && merge::changed(&original, &doc) == Changed::No
        {
            return Ok(Change::RestoreOriginal);
        }
        Ok(Change::Write {
            text: JsonStyle::detect(Some(text)).render(&doc),
            pristine: false,
        })
    })
}

/// The options of `cc-notify install` and `uninstall`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `--project`: the project's `.claude/settings.json` instead of the user's settings.
    pub project: bool,
    /// `--settings FILE`: this file instead.
    pub file: Option<PathBuf>,
    /// `--dry-run`: show the change, write nothing.
    pub dry_run: bool,
    /// `--force`: write a read-only file or one owned by another user.
    pub force: bool,
}

/// `cc-notify install|uninstall [--project] [--settings FILE] [--dry-run] [--force]` for
/// Claude Code.
pub fn run_command(install: bool, opts: Options) -> ExitCode {
    let dry_run = opts.dry_run;
    match run(install, opts) {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            if install && !dry_run {
                print_next_step();
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cc-notify: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Registers (or removes) cc-notify's hooks in Claude Code's settings; returns what was done,
/// line by line, for the caller to print.
pub fn run(install: bool, opts: Options) -> Result<Vec<String>, SettingsError> {
    let env = |name: &str| std::env::var(name).ok();
    let project_dir = std::env::current_dir().map_err(|source| SettingsError::Read {
        path: PathBuf::from("."),
        source,
    })?;
    let path = locate::target_path(opts.file, opts.project, &project_dir, &env)?;
    let edit_opts = EditOptions {
        dry_run: opts.dry_run,
        force: opts.force,
    };
    let report = if install {
        let exe = std::env::current_exe()
            .and_then(std::fs::canonicalize)
            .map_err(|source| SettingsError::Read {
                path: PathBuf::from("<the running cc-notify>"),
                source,
            })?;
        install_file(&path, &hook_command(&exe)?, edit_opts)?
    } else {
        uninstall_file(&path, edit_opts)?
    };
    let shown = report.path.display();
    let mut lines = Vec::new();
    match (report.changed, opts.dry_run, install) {
        (Changed::No, _, true) => {
            lines.push(format!(
                "cc-notify's hooks are already registered in {shown}"
            ));
        }
        (Changed::No, _, false) => {
            lines.push(format!("no cc-notify hooks in {shown}: nothing to remove"));
        }
        (Changed::Yes, true, _) => lines.push(report.diff().trim_end().to_owned()),
        (Changed::Yes, false, true) => {
            lines.push(format!("cc-notify's hooks registered in {shown}"));
            if let Some(o) = &report.original {
                lines.push(format!(
                    "the file as it was before cc-notify changed it: {}",
                    o.display()
                ));
            }
            warn_if_the_plugin_runs_too(&env, &project_dir);
        }
        (Changed::Yes, false, false) if report.restored => lines.push(format!(
            "cc-notify's hooks removed: {shown} is back as it was before cc-notify changed it"
        )),
        (Changed::Yes, false, false) => {
            lines.push(format!("cc-notify's hooks removed from {shown}"));
            if let Some(o) = &report.original {
                lines.push(format!(
                    "it was changed since cc-notify first touched it, so it was not put back; \
                     the file as it was then: {}",
                    o.display()
                ));
            }
        }
    }
    Ok(lines)
}

/// After `install`: the next step when nothing can send pushes to a phone yet (no config
/// file, no keys in the environment).
pub fn print_next_step() {
    let has_config = crate::config::config_path().is_some_and(|p| p.exists());
    let env_keys = crate::config::TOKEN_VARS
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    if !has_config && !env_keys {
        println!(
            "next: run `cc-notify setup` to add your Pushover keys, send a test push and \
             check that typing in your terminal holds pushes back"
        );
    }
}

/// Says so when the cc-notify plugin is enabled as well: every event would run twice.
fn warn_if_the_plugin_runs_too(env: &dyn Fn(&str) -> Option<String>, project_dir: &Path) {
    let settings = locate::candidate_paths(env, Some(project_dir));
    let plugins_dir = locate::plugins_dir(env);
    for plugin in plugin::enabled_plugins(&settings, plugins_dir.as_deref()) {
        eprintln!(
            "cc-notify: the plugin {0} is enabled too, so each event now runs cc-notify twice; \
             keep one: `cc-notify uninstall`, or `claude plugin uninstall {0}`",
            plugin.key
        );
    }
}

#[cfg(test)]
mod tests;
