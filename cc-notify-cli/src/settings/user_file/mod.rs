//! Safely editing a file a person keeps by hand: an agent's settings, hooks or config file.
//! Nothing here knows which agent or which format; callers get the text and say what to write.
//!
//! [`edit`] guarantees, for any such file:
//! - **symbolic links are written through**, never replaced: the chain is followed to its
//!   target, which is created when it does not exist yet (a fresh dotfiles checkout);
//! - **read-only files are refused** (no write permission for the owner, or owned by another
//!   user) and left untouched, unless [`EditOptions::force`];
//! - **the file's conventions are kept**: a UTF-8 byte-order mark and CRLF line endings are
//!   taken off before the caller sees the text and put back on write ([`TextStyle`]); JSON
//!   callers keep the indentation with [`JsonStyle`];
//! - **the original is kept**: a write to a file without cc-notify's edits saves it as it was
//!   as `<name>.before-cc-notify` (never overwritten while cc-notify's edits are in the file),
//!   and [`Change::RestoreOriginal`] puts it back byte for byte;
//! - **writes are atomic** (a temp file renamed over the target, with the file's mode and
//!   owner) and **serialised** by a lock on the directory, so nothing is left behind;
//! - on any error the file is exactly as it was.

mod json;
mod text;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub use json::JsonStyle;
pub use text::TextStyle;

/// Suffix of the copy of a file as it was before cc-notify first changed it.
pub const ORIGINAL_SUFFIX: &str = ".before-cc-notify";

/// Suffix of the lock file cc-notify 0.1 left next to each file it edited (`.<name><suffix>`).
const LEGACY_LOCK_SUFFIX: &str = ".cc-notify.lock";

/// How many symbolic links [`edit`] follows before giving up (as the kernel does).
const MAX_LINKS: usize = 40;

/// Whether an edit changed the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changed {
    /// Something was added, replaced or removed.
    Yes,
    /// The content is exactly as before.
    No,
}

/// Why a file could not be read or written. Every variant leaves the file as it was; all are
/// permanent (they need the user to act, retrying does not help).
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file (or a link on the way to it) exists but could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// What could not be read.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The file is not UTF-8 text.
    #[error("{}: not UTF-8 text; left untouched", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The file is not the user's to change: refused unless forced.
    #[error("{}: {why}; left untouched (make it writable, or pass --force)", path.display())]
    ReadOnly {
        /// The file.
        path: PathBuf,
        /// What makes it read-only (`is read-only (mode 444)`).
        why: String,
    },
    /// A chain of symbolic links that does not end.
    #[error("{}: too many levels of symbolic links", path.display())]
    LinkLoop {
        /// Where the chain starts.
        path: PathBuf,
    },
    /// Writing the new file (its temp file, backup or directory) failed; the file is intact.
    #[error("{}: cannot write: {source}; the previous file is intact", path.display())]
    Write {
        /// What could not be written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

/// How [`edit`] goes about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EditOptions {
    /// Compute the change but write nothing.
    pub dry_run: bool,
    /// Write even a read-only file or one owned by another user (keeping its mode and owner).
    pub force: bool,
}

/// The file as an edit finds it, in plain text (no byte-order mark, `\n` line endings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The file's text; `None` when it does not exist.
    pub text: Option<String>,
    /// The kept original (see [`ORIGINAL_SUFFIX`]), when there is one.
    pub original: Option<String>,
}

/// What to do with the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Leave it as it is.
    Keep,
    /// Write this text (`\n` line endings; written in the file's [`TextStyle`]).
    Write {
        /// The new text.
        text: String,
        /// The file as it is now holds none of cc-notify's edits, so it is the original to
        /// keep (replacing an older copy). When false, the kept original (if any) is left as
        /// it is, and none is made from a file cc-notify already changed.
        pristine: bool,
    },
    /// Put the kept original back, byte for byte, and delete the copy.
    RestoreOriginal,
}

/// What [`edit`] did (or, with `dry_run`, would do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The file written: symbolic links resolved.
    pub path: PathBuf,
    /// Whether the content changed.
    pub changed: Changed,
    /// Nothing was written because of `dry_run`.
    pub dry_run: bool,
    /// The previous text; `None` when the file did not exist.
    pub before: Option<String>,
    /// The new text (the previous one when nothing changed).
    pub after: String,
    /// Where the file as it was before cc-notify first changed it is kept, if it is.
    pub original: Option<PathBuf>,
    /// The kept original was put back.
    pub restored: bool,
}

impl Edit {
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

/// Edits the file at `path`: reads it, asks `decide` what to do, and does it with the
/// guarantees of the [module](self). A missing file (and its directory) is created when
/// `decide` writes. Errors of `decide` are returned as they are, with nothing written.
pub fn edit<E: From<FileError>>(
    path: &Path,
    opts: EditOptions,
    decide: impl FnOnce(&Found) -> Result<Change, E>,
) -> Result<Edit, E> {
    let path = resolve_links(path)?;
    let dir = parent(&path);
    // A missing directory is created only when there is something to write (below).
    let mut lock = if opts.dry_run || !dir.is_dir() {
        None
    } else {
        Some(lock_dir(&dir)?)
    };
    let meta = match fs::metadata(&path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(source) => return Err(FileError::Read { path, source }.into()),
    };
    if let (Some(m), false) = (&meta, opts.force)
        && let Some(why) = read_only_reason(m.mode(), m.uid(), rustix::process::geteuid().as_raw())
    {
        return Err(FileError::ReadOnly { path, why }.into());
    }
    let bytes = read_existing(&path)?;
    let backup = sibling(&path, "", ORIGINAL_SUFFIX);
    let original_bytes = read_existing(&backup)?;
    let (before, style) = match bytes.clone() {
        None => (None, TextStyle::default()),
        Some(b) => {
            let (text, style) = TextStyle::decode(b, &path)?;
            (Some(text), style)
        }
    };
    let original = match original_bytes.clone() {
        None => None,
        Some(b) => Some(TextStyle::decode(b, &backup)?.0),
    };
    let found = Found {
        text: before.clone(),
        original,
    };
    let change = decide(&found)?;
    let mut report = Edit {
        path: path.clone(),
        changed: Changed::No,
        dry_run: opts.dry_run,
        after: before.clone().unwrap_or_default(),
        before,
        original: original_bytes.is_some().then(|| backup.clone()),
        restored: false,
    };
    let (new_bytes, keep_original) = match change {
        Change::Keep => return Ok(report),
        Change::Write { text, .. } if Some(&text) == report.before.as_ref() => return Ok(report),
        Change::Write { text, pristine } => {
            let bytes = style.encode(&text);
            report.after = text;
            (bytes, pristine)
        }
        Change::RestoreOriginal => {
            let (Some(orig), Some(text)) = (original_bytes, found.original) else {
                return Ok(report);
            };
            report.after = text;
            report.restored = true;
            (orig, false)
        }
    };
    report.changed = Changed::Yes;
    if opts.dry_run {
        return Ok(report);
    }
    if lock.is_none() {
        fs::create_dir_all(&dir).map_err(write_error(&dir))?;
        lock = Some(lock_dir(&dir)?);
    }
    let owner = meta.as_ref().map(|m| (m.mode(), m.uid(), m.gid()));
    match (keep_original, &bytes) {
        (true, Some(old)) => {
            write_atomic(&backup, old, owner).map_err(write_error(&backup))?;
            report.original = Some(backup.clone());
        }
        // The file was deleted since: a copy of what it once was is no original of this one.
        (true, None) if report.original.is_some() => {
            let _ = fs::remove_file(&backup);
            report.original = None;
        }
        _ => {}
    }
    write_atomic(&path, &new_bytes, owner).map_err(write_error(&path))?;
    if report.restored {
        // The original is back in place; a copy left behind would only confuse.
        let _ = fs::remove_file(&backup);
        report.original = None;
    }
    // The lock file earlier versions left next to the file.
    let _ = fs::remove_file(sibling(&path, ".", LEGACY_LOCK_SUFFIX));
    drop(lock);
    Ok(report)
}

/// Reads a file's text and style without locking (for inspection); `None` when it does not
/// exist.
pub fn read_text(path: &Path) -> Result<Option<String>, FileError> {
    match read_existing(path)? {
        None => Ok(None),
        Some(bytes) => Ok(Some(TextStyle::decode(bytes, path)?.0)),
    }
}

/// Why a file with this mode and owner is not the caller's (effective uid `euid`) to change.
pub fn read_only_reason(mode: u32, owner: u32, euid: u32) -> Option<String> {
    if owner != euid {
        Some(format!("belongs to another user (uid {owner})"))
    } else if mode & 0o200 == 0 {
        Some(format!("is read-only (mode {:o})", mode & 0o7777))
    } else {
        None
    }
}

/// The end of the chain of symbolic links starting at `path` (which may not exist yet).
fn resolve_links(path: &Path) -> Result<PathBuf, FileError> {
    let mut current = path.to_owned();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&current).map_err(|source| FileError::Read {
                    path: current.clone(),
                    source,
                })?;
                current = parent(&current).join(target);
            }
            Ok(_) => return Ok(tidy(current)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(tidy(current)),
            Err(source) => {
                return Err(FileError::Read {
                    path: current,
                    source,
                });
            }
        }
    }
    Err(FileError::LinkLoop {
        path: path.to_owned(),
    })
}

/// `path` with its directory's `..` and links resolved, when the directory exists (for
/// messages that name the file the user will find).
fn tidy(path: PathBuf) -> PathBuf {
    match (fs::canonicalize(parent(&path)), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path,
    }
}

/// The directory holding `path` (`.` for a bare name).
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Takes an exclusive lock on `dir`, held until the returned handle is dropped. Locking the
/// directory, not a file in it, leaves nothing behind, even after a crash.
fn lock_dir(dir: &Path) -> Result<File, FileError> {
    let handle = File::open(dir).map_err(write_error(dir))?;
    handle.lock().map_err(write_error(dir))?;
    Ok(handle)
}

/// `name` of `path` with `prefix` and `suffix`, in the same directory.
fn sibling(path: &Path, prefix: &str, suffix: &str) -> PathBuf {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    path.with_file_name(format!("{prefix}{name}{suffix}"))
}

/// Reads a file; `None` when it does not exist.
fn read_existing(path: &Path) -> Result<Option<Vec<u8>>, FileError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(FileError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

fn write_error(path: &Path) -> impl FnOnce(io::Error) -> FileError {
    let path = path.to_owned();
    move |source| FileError::Write { path, source }
}

/// Writes `bytes` to a fresh temp file next to `path`, then renames it over `path`, so readers
/// see the old file or the new one, never a half-written one. `owner` (mode, uid, gid) of the
/// file being replaced is given to the new one (the owner as far as permitted).
fn write_atomic(path: &Path, bytes: &[u8], owner: Option<(u32, u32, u32)>) -> io::Result<()> {
    let tmp = sibling(path, ".", &format!(".cc-notify.{}.tmp", std::process::id()));
    // A stale temp file of a crashed run with this pid; `create_new` below refuses links.
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            // A new file gets what the umask allows; a replaced one its own mode, set below.
            .mode(if owner.is_some() { 0o600 } else { 0o666 })
            .open(&tmp)?;
        if let Some((mode, uid, gid)) = owner {
            f.set_permissions(fs::Permissions::from_mode(mode & 0o7777))?;
            if (uid, gid) != (f.metadata()?.uid(), f.metadata()?.gid()) {
                // Only root may give a file away; everyone else keeps their own.
                let _ = std::os::unix::fs::fchown(&f, Some(uid), Some(gid));
            }
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
