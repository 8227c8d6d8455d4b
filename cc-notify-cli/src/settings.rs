//! `cc-notify install` / `uninstall`: cc-notify's hooks merged into Claude Code's
//! `settings.json`, and the plugin's `hooks/hooks.json` generated from the same table.
//!
//! The merge ([`install`], [`uninstall`]) is pure. An entry is ours when its command is a
//! `cc-notify` binary (quoted or not, any directory) followed by ` hook`, and nothing else; every
//! other key and every foreign hook is kept, in order. The file side ([`install_file`],
//! [`uninstall_file`]) refuses broken files without touching them, keeps a backup, writes
//! atomically and serialises concurrent runs with a lock file.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::{Map, Value, json};

/// One hook event cc-notify registers, with its matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    /// The event's name in Claude Code's settings.
    pub name: &'static str,
    /// The matcher, when the event should not fire for everything.
    pub matcher: Option<&'static str>,
}

const fn every(name: &'static str) -> EventSpec {
    EventSpec {
        name,
        matcher: None,
    }
}

/// The events cc-notify listens to: the single source of truth for `install` and the plugin.
pub const EVENTS: &[EventSpec] = &[
    every("SessionStart"),
    every("UserPromptSubmit"),
    every("PostToolUse"),
    every("PostToolUseFailure"),
    every("PostToolBatch"),
    EventSpec {
        name: "Notification",
        matcher: Some("permission_prompt|idle_prompt|elicitation_dialog|elicitation_url_dialog"),
    },
    every("Stop"),
    every("StopFailure"),
    every("SessionEnd"),
];

/// Seconds Claude Code gives each hook run before killing it.
pub const HOOK_TIMEOUT_SECS: u64 = 10;

#[cfg(test)]
/// The command of the plugin's hooks: `cc-notify` from `PATH`.
pub const PLUGIN_COMMAND: &str = "cc-notify hook";

#[cfg(test)]
/// What the plugin's `hooks/hooks.json` says about itself.
pub const PLUGIN_DESCRIPTION: &str = "Push notifications to your phone when a turn ends, fails or needs input, \
     only when you have walked away. Needs the cc-notify binary on PATH (cargo install cc-notify-cli).";

/// Whether a merge changed the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// Something was added, replaced or removed.
    Yes,
    /// The document is exactly as before.
    No,
}

/// Why settings could not be read, merged or written. Every variant leaves the original file
/// byte-for-byte as it was.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file exists but could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The settings file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
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
    /// Writing the new file (or its backup, lock or directory) failed; the original is intact.
    #[error("{}: cannot write: {source}; the previous file is intact", path.display())]
    Write {
        /// What could not be written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
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

/// The hook command that runs `program`: its shell-quoted path and ` hook`.
pub fn hook_command(program: &Path) -> Result<String, SettingsError> {
    let path = program
        .to_str()
        .ok_or_else(|| SettingsError::NonUtf8Path(program.to_owned()))?;
    Ok(format!("{} hook", shell_quote(path)))
}

/// Quotes `s` for `/bin/sh` when it holds anything but plainly safe characters.
fn shell_quote(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+:@%,=".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Reads one shell word (quotes and backslashes resolved); `None` when `s` is not exactly one
/// word.
fn shell_word(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    c => out.push(c),
                }
            },
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => match chars.next()? {
                        c @ ('"' | '\\' | '$' | '`') => out.push(c),
                        '\n' => {}
                        c => {
                            out.push('\\');
                            out.push(c);
                        }
                    },
                    c => out.push(c),
                }
            },
            '\\' => out.push(chars.next()?),
            c if c.is_whitespace() => return None,
            c => out.push(c),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The program of one of our commands, or `None` when the command is not ours.
fn our_program(command: &str) -> Option<String> {
    let program = shell_word(command.strip_suffix(" hook")?.trim())?;
    let name = program.rsplit('/').next()?;
    (name == "cc-notify").then_some(program)
}

/// Whether `command` runs a `cc-notify` binary's `hook` subcommand and nothing else.
pub fn is_our_command(command: &str) -> bool {
    our_program(command).is_some()
}

fn is_our_handler(handler: &Value) -> bool {
    handler
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(is_our_command)
}

/// The matcher group cc-notify registers for `spec`.
fn our_group(spec: &EventSpec, command: &str) -> Value {
    let handler = json!({"type": "command", "command": command, "timeout": HOOK_TIMEOUT_SECS});
    match spec.matcher {
        Some(m) => json!({"matcher": m, "hooks": [handler]}),
        None => json!({"hooks": [handler]}),
    }
}

#[cfg(test)]
/// The settings `hooks` object registering every [`EVENTS`] entry with `command`.
pub fn hooks_object(command: &str) -> Value {
    EVENTS
        .iter()
        .map(|spec| (spec.name.to_owned(), json!([our_group(spec, command)])))
        .collect::<Map<_, _>>()
        .into()
}

#[cfg(test)]
/// The plugin's `hooks/hooks.json`: [`hooks_object`] running `cc-notify` from `PATH`.
pub fn plugin_hooks() -> Value {
    json!({"description": PLUGIN_DESCRIPTION, "hooks": hooks_object(PLUGIN_COMMAND)})
}

/// A group whose handlers are all ours (and there is at least one).
fn is_our_group(group: &Value) -> bool {
    group
        .get("hooks")
        .and_then(Value::as_array)
        .is_some_and(|hs| !hs.is_empty() && hs.iter().all(is_our_handler))
}

/// Removes our handlers from a group. Returns `None` when that left the group empty, and
/// counts the removed handlers in `removed`. Groups of unknown shape are kept as they are.
fn strip_group(mut group: Value, removed: &mut usize) -> Option<Value> {
    let Some(handlers) = group.get_mut("hooks").and_then(Value::as_array_mut) else {
        return Some(group);
    };
    let before = handlers.len();
    handlers.retain(|h| !is_our_handler(h));
    let gone = before - handlers.len();
    *removed += gone;
    (gone == 0 || !handlers.is_empty()).then_some(group)
}

/// Registers cc-notify's hooks with `command` in a settings document.
///
/// Idempotent: an existing group of ours for an event is replaced in place (so a new binary
/// path replaces the old one), other stray entries of ours are removed, and events without
/// one get a group appended. Everything else is kept in order. Refuses documents that are not
/// an object, whose `hooks` is not an object, or where an event's value is not an array,
/// and commands that do not run a binary named `cc-notify`.
pub fn install(doc: Value, command: &str) -> Result<(Value, Changed), SettingsError> {
    if !is_our_command(command) {
        return Err(SettingsError::NotOurCommand(command.to_owned()));
    }
    let original = doc.clone();
    let Value::Object(mut root) = doc else {
        return Err(SettingsError::shape("the settings are not a JSON object"));
    };
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(hooks) = hooks else {
        return Err(SettingsError::shape("\"hooks\" is not an object"));
    };
    for spec in EVENTS {
        if hooks.get(spec.name).is_some_and(|v| !v.is_array()) {
            return Err(SettingsError::shape(format!(
                "\"hooks.{}\" is not an array",
                spec.name
            )));
        }
    }
    hooks.retain(|name, list| {
        let Value::Array(groups) = list else {
            return true;
        };
        let spec = EVENTS.iter().find(|s| s.name == name);
        let mut placed = false;
        let mut removed = 0;
        let old = std::mem::take(groups);
        for group in old {
            match spec {
                Some(spec) if !placed && is_our_group(&group) => {
                    groups.push(our_group(spec, command));
                    placed = true;
                }
                _ => groups.extend(strip_group(group, &mut removed)),
            }
        }
        if let (Some(spec), false) = (spec, placed) {
            groups.push(our_group(spec, command));
        }
        !(spec.is_none() && removed > 0 && groups.is_empty())
    });
    for spec in EVENTS {
        if !hooks.contains_key(spec.name) {
            hooks.insert(spec.name.to_owned(), json!([our_group(spec, command)]));
        }
    }
    let doc = Value::Object(root);
    // Compared as text: `serde_json` maps compare without order, settings files care about it.
    let changed = if serde_json::to_string(&doc).ok() == serde_json::to_string(&original).ok() {
        Changed::No
    } else {
        Changed::Yes
    };
    Ok((doc, changed))
}

/// Removes every hook entry of ours, under any event.
///
/// An event list that only held ours is removed, and so is a `hooks` object that only held
/// ours. Everything else (including empty lists that were already empty) stays as it was.
/// Documents of unknown shape are returned unchanged.
pub fn uninstall(mut doc: Value) -> (Value, Changed) {
    let Some(root) = doc.as_object_mut() else {
        return (doc, Changed::No);
    };
    let Some(Value::Object(hooks)) = root.get_mut("hooks") else {
        return (doc, Changed::No);
    };
    let mut total = 0;
    hooks.retain(|_, list| {
        let Value::Array(groups) = list else {
            return true;
        };
        let mut removed = 0;
        let old = std::mem::take(groups);
        groups.extend(old.into_iter().filter_map(|g| strip_group(g, &mut removed)));
        total += removed;
        removed == 0 || !groups.is_empty()
    });
    if total == 0 {
        return (doc, Changed::No);
    }
    if hooks.is_empty() {
        root.shift_remove("hooks");
    }
    (doc, Changed::Yes)
}

/// What [`install_file`] or [`uninstall_file`] did (or, with `dry_run`, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The file written (symbolic links resolved).
    pub path: PathBuf,
    /// Whether the settings changed.
    pub changed: Changed,
    /// Nothing was written because of `--dry-run`.
    pub dry_run: bool,
    /// The previous text; `None` when the file did not exist.
    pub before: Option<String>,
    /// The new text (the previous one when nothing changed).
    pub after: String,
    /// Where the previous bytes were saved, when they were.
    pub backup: Option<PathBuf>,
}

impl Report {
    /// A line diff of the change: the lines that differ, `-` before and `+` after.
    pub fn diff(&self) -> String {
        let before: Vec<&str> = self.before.as_deref().unwrap_or("").lines().collect();
        let after: Vec<&str> = self.after.lines().collect();
        let head = before
            .iter()
            .zip(&after)
            .take_while(|(a, b)| a == b)
            .count();
        let tail = before[head..]
            .iter()
            .rev()
            .zip(after[head..].iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        let mut out = format!("--- {0}\n+++ {0}\n", self.path.display());
        for l in &before[head..before.len() - tail] {
            out.push_str(&format!("-{l}\n"));
        }
        for l in &after[head..after.len() - tail] {
            out.push_str(&format!("+{l}\n"));
        }
        out
    }
}

/// Registers the hooks running `command` in the settings file at `path` (created, with its
/// directory, when missing). See [`install`] for the merge and the module docs for safety.
pub fn install_file(path: &Path, command: &str, dry_run: bool) -> Result<Report, SettingsError> {
    edit_file(path, dry_run, |doc| install(doc, command))
}

/// Removes cc-notify's hooks from the settings file at `path`; a missing file is left missing.
pub fn uninstall_file(path: &Path, dry_run: bool) -> Result<Report, SettingsError> {
    edit_file(path, dry_run, |doc| Ok(uninstall(doc)))
}

/// `name` with `suffix` appended, in the same directory.
fn sibling(path: &Path, prefix: &str, suffix: &str) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!("{prefix}{name}{suffix}"))
}

/// Reads a file; `None` when it does not exist.
fn read_existing(path: &Path) -> Result<Option<Vec<u8>>, SettingsError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SettingsError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

fn edit_file(
    path: &Path,
    dry_run: bool,
    merge: impl FnOnce(Value) -> Result<(Value, Changed), SettingsError>,
) -> Result<Report, SettingsError> {
    // Write through a symlink (dotfile managers) instead of replacing it.
    let path = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).unwrap_or(path.to_owned()),
        _ => path.to_owned(),
    };
    let write_err = |p: &Path| {
        let p = p.to_owned();
        move |source| SettingsError::Write { path: p, source }
    };
    let _lock = if dry_run {
        None
    } else {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(write_err(dir))?;
        }
        let lock_path = sibling(&path, ".", ".cc-notify.lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(write_err(&lock_path))?;
        lock.lock().map_err(write_err(&lock_path))?;
        Some(lock)
    };
    let before = read_existing(&path)?;
    let doc = match &before {
        None => Value::Object(Map::new()),
        Some(bytes) => {
            serde_json::from_slice(bytes).map_err(|source| SettingsError::InvalidJson {
                path: path.clone(),
                source,
            })?
        }
    };
    let (doc, changed) = merge(doc).map_err(|e| e.in_file(&path))?;
    let before = before.map(|b| String::from_utf8_lossy(&b).into_owned());
    let after = match (changed, &before) {
        (Changed::No, Some(text)) => text.clone(),
        _ => {
            let mut text = serde_json::to_string_pretty(&doc)
                .map_err(|e| SettingsError::shape(format!("cannot serialise the settings: {e}")))?;
            text.push('\n');
            text
        }
    };
    let mut report = Report {
        path: path.clone(),
        changed,
        dry_run,
        before,
        after,
        backup: None,
    };
    if dry_run || changed == Changed::No {
        return Ok(report);
    }
    let mode = fs::metadata(&path).ok().map(|m| m.permissions().mode());
    if let Some(before) = &report.before {
        let backup = sibling(&path, "", ".bak");
        write_atomic(&backup, before.as_bytes(), mode).map_err(write_err(&backup))?;
        report.backup = Some(backup);
    }
    write_atomic(&path, report.after.as_bytes(), mode).map_err(write_err(&path))?;
    Ok(report)
}

/// Writes `bytes` to a temp file next to `path`, then renames it over `path`, so readers see
/// the old file or the new one, never a half-written one. `mode` is applied before writing.
fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    let tmp = sibling(path, ".", ".cc-notify.tmp");
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        if let Some(mode) = mode {
            f.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

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

/// cc-notify's registration in one settings file, for `doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallState {
    /// The settings file.
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

/// Reads which of our hooks the settings file at `path` registers. A missing file is not an
/// error (nothing is registered); a broken one is.
pub fn installed_in(path: &Path) -> Result<InstallState, SettingsError> {
    let bytes = read_existing(path)?;
    let doc: Value = match &bytes {
        None => Value::Null,
        Some(b) => serde_json::from_slice(b).map_err(|source| SettingsError::InvalidJson {
            path: path.to_owned(),
            source,
        })?,
    };
    let hooks = doc.get("hooks").and_then(Value::as_object);
    let mut state = InstallState {
        path: path.to_owned(),
        exists: bytes.is_some(),
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
    let this = std::env::current_exe().and_then(fs::canonicalize).ok();
    state.points_elsewhere = state
        .programs
        .iter()
        .any(|(p, status)| *status != ProgramStatus::OnPath && fs::canonicalize(p).ok() != this);
    Ok(state)
}

fn program_status(program: &str) -> ProgramStatus {
    if !program.contains('/') {
        return ProgramStatus::OnPath;
    }
    match fs::metadata(program) {
        Err(_) => ProgramStatus::Missing,
        Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => ProgramStatus::Executable,
        Ok(_) => ProgramStatus::NotExecutable,
    }
}

/// Claude Code's user settings: `$CLAUDE_CONFIG_DIR/settings.json`, else
/// `~/.claude/settings.json`.
pub fn user_settings_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let dir = var("CLAUDE_CONFIG_DIR").or_else(|| var("HOME").map(|h| h.join(".claude")))?;
    Some(dir.join("settings.json"))
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

/// Every settings file Claude Code reads for the current directory (user, project, local).
pub fn candidate_paths() -> Vec<PathBuf> {
    let env = |name: &str| std::env::var(name).ok();
    let mut paths: Vec<PathBuf> = user_settings_path(&env).into_iter().collect();
    if let Ok(cwd) = std::env::current_dir() {
        let dir = cwd.join(".claude");
        paths.push(dir.join("settings.json"));
        paths.push(dir.join("settings.local.json"));
    }
    paths.dedup();
    paths
}

/// `cc-notify install|uninstall [--project] [--settings FILE] [--dry-run]`.
pub fn run_command(install: bool, project: bool, file: Option<PathBuf>, dry_run: bool) -> ExitCode {
    match run(install, project, file, dry_run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cc-notify: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(
    install: bool,
    project: bool,
    file: Option<PathBuf>,
    dry_run: bool,
) -> Result<(), SettingsError> {
    let env = |name: &str| std::env::var(name).ok();
    let project_dir = std::env::current_dir().map_err(|source| SettingsError::Read {
        path: PathBuf::from("."),
        source,
    })?;
    let path = target_path(file, project, &project_dir, &env)?;
    let report = if install {
        let exe = std::env::current_exe()
            .and_then(fs::canonicalize)
            .map_err(|source| SettingsError::Read {
                path: PathBuf::from("<the running cc-notify>"),
                source,
            })?;
        install_file(&path, &hook_command(&exe)?, dry_run)?
    } else {
        uninstall_file(&path, dry_run)?
    };
    let shown = report.path.display();
    match (report.changed, dry_run, install) {
        (Changed::No, _, true) => println!("cc-notify's hooks are already registered in {shown}"),
        (Changed::No, _, false) => println!("no cc-notify hooks in {shown}: nothing to remove"),
        (Changed::Yes, true, _) => print!("{}", report.diff()),
        (Changed::Yes, false, install) => {
            let did = if install {
                "registered in"
            } else {
                "removed from"
            };
            print!("cc-notify's hooks {did} {shown}");
            match &report.backup {
                Some(b) => println!(" (previous version: {})", b.display()),
                None => println!(),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
