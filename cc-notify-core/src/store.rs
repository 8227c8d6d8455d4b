//! The per-user state directory: per-session state files under an exclusive lock.
//!
//! Layout (all owned by the user, directories 0700, files 0600):
//!
//! ```text
//! <state dir>/
//!   sessions/<name>.json   one session's state (see [`SessionGuard::save`])
//!   sessions/<name>.lock   its lock file (flock); left in place, see below
//!   log.jsonl, log.1.jsonl the decision log (see `decision_log`)
//! ```
//!
//! `<name>` is the session id when it is made only of `[A-Za-z0-9_-]` and at most 64 bytes;
//! otherwise the allowed characters (others replaced by `_`, cut to 64) followed by `.` and a
//! 64-bit hash of the id, so distinct ids never share a file ([`session_file_stem`]).
//!
//! Safety: the directory is refused when it is a symbolic link, not a directory, or owned by
//! someone else; our own directory with a looser mode is tightened to 0700. Every file is
//! opened with `O_NOFOLLOW`, so a symlink planted in place of a state, lock or log file is
//! refused rather than followed. Lock files are never deleted: removing a lock file another
//! process may be waiting on would let two processes hold "the" lock at once.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The longest session-file stem kept from an id before the hash suffix.
const MAX_STEM: usize = 64;

/// Why the state directory or a state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file operation failed. Transient (disk full, interrupted, …) unless it persists.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The path is a symbolic link; it is not followed. Permanent.
    #[error("{}: is a symbolic link; refusing to follow it", path.display())]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// The state directory path exists but is not a directory. Permanent.
    #[error("{}: not a directory", path.display())]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// The state directory belongs to another user. Permanent.
    #[error("{}: owned by uid {owner}, not by us (uid {uid}); refusing to use it", path.display())]
    ForeignOwner {
        /// The directory.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// Our effective uid.
        uid: u32,
    },
    /// A state file could not be decoded. It was moved aside to `kept`, so the next load
    /// starts from the default state. Permanent for that content.
    #[error("{}: unreadable state ({source}); moved aside to {}", path.display(), kept.display())]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// Where the unreadable content now is.
        kept: PathBuf,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
    /// The state could not be encoded as JSON. Permanent (a bug in the state type).
    #[error("{}: cannot encode state: {source}", path.display())]
    Encode {
        /// The state file.
        path: PathBuf,
        /// The encoding error.
        #[source]
        source: serde_json::Error,
    },
}

impl StoreError {
    /// Trying again may succeed (an I/O failure).
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Io { .. })
    }

    /// Trying again cannot succeed until something on disk changes.
    pub fn is_permanent(&self) -> bool {
        !self.is_transient()
    }

    /// An I/O error for `path`; `ELOOP` from `O_NOFOLLOW` becomes [`StoreError::Symlink`].
    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        #[cfg(unix)]
        if source.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
            return StoreError::Symlink {
                path: path.to_owned(),
            };
        }
        StoreError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// The state directory from the environment: `$CC_NOTIFY_STATE_DIR`, else
/// `$XDG_STATE_HOME/cc-notify`, else `$HOME/.local/state/cc-notify`. Empty values are ignored,
/// and so is a relative `$XDG_STATE_HOME` (as the XDG spec says). `None` without a home.
pub fn state_dir_from_env() -> Option<PathBuf> {
    state_dir_from(|name| std::env::var_os(name))
}

/// [`state_dir_from_env`] over any variable lookup (for tests and embedding).
pub fn state_dir_from(var: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let get = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = get("CC_NOTIFY_STATE_DIR") {
        return Some(dir);
    }
    if let Some(xdg) = get("XDG_STATE_HOME").filter(|p| p.is_absolute()) {
        return Some(xdg.join("cc-notify"));
    }
    get("HOME").map(|home| home.join(".local/state/cc-notify"))
}

/// The file stem for a session id: the id itself when it is only `[A-Za-z0-9_-]` and at most
/// 64 bytes, else the kept characters (`_` for others, cut to 64) + `.` + a 64-bit FNV-1a hash
/// of the id. Never empty, never contains `/` or `..`, and distinct ids give distinct stems
/// (an unchanged id has no `.`; changed ones differ in their hash).
pub fn session_file_stem(id: &str) -> String {
    let clean = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if !id.is_empty() && id.len() <= MAX_STEM && id.chars().all(clean) {
        return id.to_owned();
    }
    let mut kept: String = id
        .chars()
        .map(|c| if clean(c) { c } else { '_' })
        .take(MAX_STEM)
        .collect();
    if kept.is_empty() {
        kept.push('_'); // the empty id: a visible name, never a dot file
    }
    format!("{kept}.{:016x}", fnv1a(id.as_bytes()))
}

/// FNV-1a, 64 bit: stable across Rust versions, unlike `DefaultHasher`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// How many bytes of padding an in-place save may leave beyond twice the state's length.
const PAD_SLACK: usize = 4096;

/// Options that never follow a symlink in the last component and create files 0600: how every
/// file in the state dir is opened.
pub fn nofollow() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
        // The flag's value is small; the cast cannot wrap.
        o.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    o
}

/// Opens (creating) the lock file at `path`, never through a symlink, and takes an
/// exclusive lock on it, held until the returned file is dropped.
pub(crate) fn lock_file(path: &Path) -> Result<File, StoreError> {
    let lock = nofollow()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| StoreError::io(path, e))?;
    lock.lock().map_err(|e| StoreError::io(path, e))?;
    Ok(lock)
}

/// An opened, checked state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    path: PathBuf,
}

impl StateDir {
    /// Opens the state directory at `path`, creating it and missing parents with mode 0700.
    ///
    /// Refuses a symlink, a non-directory and a directory owned by another user; tightens our
    /// own directory to 0700 when it is readable or writable by others.
    pub fn open(path: impl Into<PathBuf>) -> Result<StateDir, StoreError> {
        let path = path.into();
        ensure_private_dir(&path)?;
        ensure_private_dir(&path.join("sessions"))?;
        Ok(StateDir { path })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sessions_dir(&self) -> PathBuf {
        self.path.join("sessions")
    }

    /// Takes the exclusive lock of `session_id`'s state, waiting for another holder to let go.
    /// The lock is released when the guard is dropped (or the process exits).
    pub fn lock(&self, session_id: &str) -> Result<SessionGuard, StoreError> {
        let stem = session_file_stem(session_id);
        let dir = self.sessions_dir();
        let lock = lock_file(&dir.join(format!("{stem}.lock")))?;
        Ok(SessionGuard {
            _lock: lock,
            state: dir.join(format!("{stem}.json")),
            dir,
            stem,
        })
    }

    /// [`StateDir::lock`] without waiting: `Ok(None)` when another process holds the lock.
    pub fn try_lock(&self, session_id: &str) -> Result<Option<SessionGuard>, StoreError> {
        let stem = session_file_stem(session_id);
        let dir = self.sessions_dir();
        let path = dir.join(format!("{stem}.lock"));
        let lock = nofollow()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StoreError::io(&path, e))?;
        match lock.try_lock() {
            Ok(()) => Ok(Some(SessionGuard {
                _lock: lock,
                state: dir.join(format!("{stem}.json")),
                dir,
                stem,
            })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(StoreError::io(&path, e)),
        }
    }

    /// Reads `session_id`'s state without taking its lock, for when the lock cannot be taken
    /// (a read-only state directory): what the last writer saved. A missing or undecodable
    /// file gives `T::default()`; nothing is ever written.
    pub fn read_unlocked<T: DeserializeOwned + Default>(&self, session_id: &str) -> T {
        let path = self
            .sessions_dir()
            .join(format!("{}.json", session_file_stem(session_id)));
        let mut bytes = Vec::new();
        let read = nofollow()
            .read(true)
            .open(&path)
            .and_then(|mut f| f.read_to_end(&mut bytes));
        match read {
            Ok(_) => serde_json::from_slice(&bytes).unwrap_or_default(),
            Err(_) => T::default(),
        }
    }

    /// The stored sessions as (file stem, state file path), sorted by stem. The stem is the
    /// session id itself unless the id needed sanitising ([`session_file_stem`]).
    pub fn sessions(&self) -> Result<Vec<(String, PathBuf)>, StoreError> {
        let dir = self.sessions_dir();
        let entries = fs::read_dir(&dir).map_err(|e| StoreError::io(&dir, e))?;
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io(&dir, e))?;
            let name = entry.file_name();
            let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
                continue;
            };
            if !stem.is_empty() && !stem.starts_with('.') {
                out.push((stem.to_owned(), entry.path()));
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Creates `path` (and parents) with mode 0700, or checks an existing one.
fn ensure_private_dir(path: &Path) -> Result<(), StoreError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(path).map_err(|e| StoreError::io(path, e))?;
            // Check what is there now, whoever created it.
            fs::symlink_metadata(path).map_err(|e| StoreError::io(path, e))?
        }
        Err(e) => return Err(StoreError::io(path, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(StoreError::Symlink {
            path: path.to_owned(),
        });
    }
    if !meta.is_dir() {
        return Err(StoreError::NotADirectory {
            path: path.to_owned(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let uid = rustix::process::geteuid().as_raw();
        if meta.uid() != uid {
            return Err(StoreError::ForeignOwner {
                path: path.to_owned(),
                owner: meta.uid(),
                uid,
            });
        }
        if meta.mode() & 0o077 != 0 {
            fs::set_permissions(path, fs::Permissions::from_mode(0o700))
                .map_err(|e| StoreError::io(path, e))?;
        }
    }
    Ok(())
}

/// The exclusive lock on one session's state; load, save and remove it while holding this.
#[derive(Debug)]
pub struct SessionGuard {
    _lock: File,
    state: PathBuf,
    dir: PathBuf,
    stem: String,
}

impl SessionGuard {
    /// The session's state file.
    pub fn path(&self) -> &Path {
        &self.state
    }

    /// Reads the state; a missing file gives `T::default()`.
    ///
    /// A file that does not decode is renamed to `<name>.json.corrupt` (replacing an older
    /// one) and reported as [`StoreError::Corrupt`]; the next load then starts from the default.
    pub fn load<T: DeserializeOwned + Default>(&self) -> Result<T, StoreError> {
        let mut file = match nofollow().read(true).open(&self.state) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(T::default()),
            Err(e) => return Err(StoreError::io(&self.state, e)),
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| StoreError::io(&self.state, e))?;
        serde_json::from_slice(&bytes).or_else(|source| {
            let kept = self.dir.join(format!("{}.json.corrupt", self.stem));
            fs::rename(&self.state, &kept).map_err(|e| StoreError::io(&self.state, e))?;
            Err(StoreError::Corrupt {
                path: self.state.clone(),
                kept,
                source,
            })
        })
    }

    /// Replaces the state. Every reader holds the lock, so none sees a mix of old and new.
    ///
    /// An existing file is overwritten in place by one positioned write, padded with spaces
    /// (trailing whitespace is valid JSON) when the new state is shorter. A new file, or one
    /// that would stay more than twice too long, is written to a 0600 temp file and renamed
    /// into place. The in-place write is the common case and the cheap one: on ext4, a rename
    /// over an existing file flushes the new file's data first (`auto_da_alloc`), which cost
    /// the hook 0.8 ms of its ~2 ms (BENCHMARKS.md).
    pub fn save<T: Serialize + ?Sized>(&self, state: &T) -> Result<(), StoreError> {
        let mut bytes = serde_json::to_vec(state).map_err(|source| StoreError::Encode {
            path: self.state.clone(),
            source,
        })?;
        // Non-blocking: a FIFO in place of the state file must not hang the hook.
        let mut options = nofollow();
        std::os::unix::fs::OpenOptionsExt::custom_flags(
            &mut options,
            (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
        );
        match options.write(true).open(&self.state) {
            Ok(file) => {
                let meta = file
                    .metadata()
                    .map_err(|e| StoreError::io(&self.state, e))?;
                let old = usize::try_from(meta.len()).unwrap_or(usize::MAX);
                if meta.is_file() && old <= 2 * bytes.len() + PAD_SLACK {
                    bytes.resize(old.max(bytes.len()), b' ');
                    // One positioned write (continued if the kernel writes short).
                    return std::os::unix::fs::FileExt::write_all_at(&file, &bytes, 0)
                        .map_err(|e| StoreError::io(&self.state, e));
                }
            }
            // Missing, or a symlink planted in its place: the rename below replaces the link
            // itself, never writing through it.
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    || e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {}
            Err(e) => return Err(StoreError::io(&self.state, e)),
        }
        self.replace(&bytes)
    }

    /// Writes `bytes` to a new temp file and renames it over the state file.
    fn replace(&self, bytes: &[u8]) -> Result<(), StoreError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self
            .dir
            .join(format!(".{}.tmp-{}-{n}", self.stem, std::process::id()));
        let open = || nofollow().write(true).create_new(true).open(&tmp);
        let mut file = match open() {
            // A leftover of a crashed process that had our pid; we hold the session lock.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                fs::remove_file(&tmp).map_err(|e| StoreError::io(&tmp, e))?;
                open()
            }
            other => other,
        }
        .map_err(|e| StoreError::io(&tmp, e))?;
        let written = file.write_all(bytes).and_then(|()| {
            drop(file);
            fs::rename(&tmp, &self.state)
        });
        written.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            StoreError::io(&self.state, e)
        })
    }

    /// Deletes the state (not the lock file). A missing state is not an error.
    pub fn remove(&self) -> Result<(), StoreError> {
        match fs::remove_file(&self.state) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(StoreError::io(&self.state, e)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_precedence_and_fallbacks() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| OsString::from(v))
            }
        };
        static ALL: [(&str, &str); 3] = [
            ("CC_NOTIFY_STATE_DIR", "/s"),
            ("XDG_STATE_HOME", "/x"),
            ("HOME", "/h"),
        ];
        assert_eq!(state_dir_from(env(&ALL)), Some(PathBuf::from("/s")));
        assert_eq!(
            state_dir_from(env(&[
                ("CC_NOTIFY_STATE_DIR", ""),
                ("XDG_STATE_HOME", "/x")
            ])),
            Some(PathBuf::from("/x/cc-notify"))
        );
        assert_eq!(
            state_dir_from(env(&[("XDG_STATE_HOME", "rel"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.local/state/cc-notify"))
        );
        assert_eq!(state_dir_from(env(&[])), None);
    }

    #[test]
    fn clean_ids_are_kept_and_others_hashed() {
        let uuid = "550e8400-e29b-41d4-a716-446655440000";
        assert_eq!(session_file_stem(uuid), uuid);
        assert_eq!(session_file_stem("../x").len(), "___x".len() + 17);
        assert!(session_file_stem("../x").starts_with("___x."));
        assert_eq!(session_file_stem(""), session_file_stem(""));
        assert_eq!(session_file_stem(""), "_.cbf29ce484222325");
    }
}
