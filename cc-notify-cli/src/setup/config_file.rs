//! Writing the keys `setup` was given into the user's config file: in place, keeping every other key,
//! comment and the order of the file, with mode 0600, replaced atomically (a new file renamed
//! over the old), its directory created 0700 when missing.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, Value};

/// Why the config file could not be updated.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The file exists but cannot be read. Permanent until the file is fixed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The file is not valid TOML: it is left alone rather than rewritten. Permanent.
    #[error(
        "{path} is not valid TOML, so setup leaves it alone (fix it, then run setup again): {message}"
    )]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The section is there but is not a table. Permanent.
    #[error("{path}: `{section}` is not a table")]
    NotATable {
        /// The file.
        path: PathBuf,
        /// The section.
        section: &'static str,
    },
    /// The new file could not be written. May be transient (a full disk).
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

/// What [`set_keys`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The file already held these keys (its mode is made 0600 all the same).
    Unchanged,
    /// The file was created or changed.
    Changed,
}

/// One key to set: `[section] key = value`.
#[derive(Debug, Clone)]
pub struct Edit {
    /// The table (`pushover`, `ntfy`, …).
    pub section: &'static str,
    /// The key in it.
    pub key: &'static str,
    /// Its new value.
    pub value: Value,
}

impl Edit {
    /// `[section] key = value`.
    pub fn new(section: &'static str, key: &'static str, value: impl Into<Value>) -> Self {
        Edit {
            section,
            key,
            value: value.into(),
        }
    }
}

/// A value as TOML text without its surrounding spaces and comments.
fn bare(v: &Value) -> String {
    let mut v = v.clone();
    v.decor_mut().clear();
    v.to_string()
}

/// Sets every key of `edits` in the file at `path`, creating it and its directory as needed.
/// The file is written only when something changes; its mode ends up 0600 either way. A
/// symlinked file (dotfiles) is written where it points.
pub fn set_keys(path: &Path, edits: &[Edit]) -> Result<Written, WriteError> {
    let write_err = |path: &Path, source| WriteError::Write {
        path: path.to_owned(),
        source,
    };
    // Through a symlink to the real file, so the link stays.
    let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(WriteError::Read { path, source }),
    };
    let mut doc: DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| WriteError::Parse {
                path: path.clone(),
                message: e.message().to_owned(),
            })?;
    for edit in edits {
        let section = doc
            .entry(edit.section)
            .or_insert_with(|| Item::Table(Table::new()));
        let Some(section) = section.as_table_like_mut() else {
            return Err(WriteError::NotATable {
                path,
                section: edit.section,
            });
        };
        let same = section
            .get(edit.key)
            .and_then(Item::as_value)
            .is_some_and(|old| bare(old) == bare(&edit.value));
        if !same {
            section.insert(edit.key, Item::Value(edit.value.clone()));
        }
    }
    let new_text = doc.to_string();
    if new_text == text && !text.is_empty() {
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
            .map_err(|e| write_err(&path, e))?;
        return Ok(Written::Unchanged);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| write_err(dir, e))?;
    }
    let tmp = path.with_file_name(format!(
        ".{}.setup-{}",
        path.file_name()
            .map_or_else(|| "config".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(new_text.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| fs::rename(&tmp, &path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(write_err(&path, e));
    }
    Ok(Written::Changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
    const USER: &str = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";

    fn pushover(token: &str, user: Option<&str>) -> Vec<Edit> {
        let mut edits = vec![Edit::new("pushover", "token", token)];
        edits.extend(user.map(|u| Edit::new("pushover", "user", u)));
        edits
    }

    /// The `[pushover]` token and user key in the file's text, as far as it has them.
    fn pushover_keys(text: &str) -> (Option<String>, Option<String>) {
        let doc: DocumentMut = text.parse().expect("TOML");
        let key = |k: &str| {
            doc.get("pushover")
                .and_then(|p| p.get(k))
                .and_then(Item::as_str)
                .map(str::to_owned)
        };
        (key("token"), key("user"))
    }

    #[test]
    fn keeps_other_keys_and_comments_and_is_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cc-notify").join("config.toml");
        assert_eq!(
            set_keys(&path, &pushover(TOKEN, Some(USER))).expect("create"),
            Written::Changed
        );
        let mode = fs::metadata(&path).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = fs::metadata(path.parent().expect("dir"))
            .expect("stat")
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o077, 0);

        fs::write(
            &path,
            "# mine\n[timing]\ngrace = 3 # short\n\n[pushover]\napi_url = \"http://x\"\ntoken = \"old\"\n",
        )
        .expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        set_keys(&path, &pushover(TOKEN, Some(USER))).expect("update");
        let text = fs::read_to_string(&path).expect("read");
        assert!(
            text.starts_with("# mine\n[timing]\ngrace = 3 # short\n"),
            "{text}"
        );
        assert!(text.contains("api_url = \"http://x\""), "{text}");
        assert_eq!(
            pushover_keys(&text),
            (Some(TOKEN.into()), Some(USER.into()))
        );
        assert_eq!(
            fs::metadata(&path).expect("stat").permissions().mode() & 0o777,
            0o600
        );

        // Again with the same keys: nothing to change.
        assert_eq!(
            set_keys(&path, &pushover(TOKEN, Some(USER))).expect("again"),
            Written::Unchanged
        );
        assert_eq!(fs::read_to_string(&path).expect("read"), text);

        // Other sections and other types: a flag, a list, a new table.
        let edits = [
            Edit::new("desktop", "enabled", true),
            Edit::new("command", "argv", Value::from_iter(["notify-me", "--loud"])),
            Edit::new("ntfy", "topic", "cc-42"),
        ];
        assert_eq!(set_keys(&path, &edits).expect("more"), Written::Changed);
        let more = fs::read_to_string(&path).expect("read");
        let doc: DocumentMut = more.parse().expect("TOML");
        assert_eq!(doc["desktop"]["enabled"].as_bool(), Some(true));
        assert_eq!(
            doc["command"]["argv"].to_string().trim(),
            r#"["notify-me", "--loud"]"#
        );
        assert_eq!(doc["ntfy"]["topic"].as_str(), Some("cc-42"));
        assert!(more.starts_with(&text), "{more}");
        assert_eq!(set_keys(&path, &edits).expect("again"), Written::Unchanged);
    }

    #[test]
    fn a_broken_file_is_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        fs::write(&path, "[pushover\n").expect("write");
        assert!(matches!(
            set_keys(&path, &pushover(TOKEN, None)),
            Err(WriteError::Parse { .. })
        ));
        assert_eq!(fs::read_to_string(&path).expect("read"), "[pushover\n");
    }
}
