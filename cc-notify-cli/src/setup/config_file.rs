//! Writing the Pushover keys into the user's config file: in place, keeping every other key,
//! comment and the order of the file, with mode 0600, replaced atomically (a new file renamed
//! over the old), its directory created 0700 when missing.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, value};

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
    /// `[pushover]` is there but is not a table. Permanent.
    #[error("{path}: `pushover` is not a table")]
    NotATable {
        /// The file.
        path: PathBuf,
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

/// What [`set_pushover_keys`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The file already held these keys (its mode is made 0600 all the same).
    Unchanged,
    /// The file was created or changed.
    Changed,
}

/// The `[pushover]` token and user key in the file's text, as far as it has them.
pub fn pushover_keys(text: &str) -> (Option<String>, Option<String>) {
    let Ok(doc) = text.parse::<DocumentMut>() else {
        return (None, None);
    };
    let key = |k: &str| {
        doc.get("pushover")
            .and_then(|p| p.get(k))
            .and_then(Item::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    (key("token"), key("user"))
}

/// Sets `[pushover] token` and `user` (each when `Some`) in the file at `path`, creating it
/// and its directory as needed. The file is written only when something changes; its mode
/// ends up 0600 either way. A symlinked file (dotfiles) is written where it points.
pub fn set_pushover_keys(
    path: &Path,
    token: Option<&str>,
    user: Option<&str>,
) -> Result<Written, WriteError> {
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
    let section = doc
        .entry("pushover")
        .or_insert_with(|| Item::Table(Table::new()));
    let Some(section) = section.as_table_like_mut() else {
        return Err(WriteError::NotATable { path });
    };
    for (key, new) in [("token", token), ("user", user)] {
        if let Some(new) = new
            && section.get(key).and_then(Item::as_str) != Some(new)
        {
            section.insert(key, value(new));
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

    #[test]
    fn keeps_other_keys_and_comments_and_is_private() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cc-notify").join("config.toml");
        assert_eq!(
            set_pushover_keys(&path, Some(TOKEN), Some(USER)).expect("create"),
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
        set_pushover_keys(&path, Some(TOKEN), Some(USER)).expect("update");
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
            set_pushover_keys(&path, Some(TOKEN), Some(USER)).expect("again"),
            Written::Unchanged
        );
        assert_eq!(fs::read_to_string(&path).expect("read"), text);
    }

    #[test]
    fn a_broken_file_is_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        fs::write(&path, "[pushover\n").expect("write");
        assert!(matches!(
            set_pushover_keys(&path, Some(TOKEN), None),
            Err(WriteError::Parse { .. })
        ));
        assert_eq!(fs::read_to_string(&path).expect("read"), "[pushover\n");
    }
}
