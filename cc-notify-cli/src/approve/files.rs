//! The files an approval keeps in the state directory: the install secret (`approval.key`),
//! each session's waiting-request marker (`approvals/<session>.pending`) and the needs-input
//! notice held while the phone is asked (`approvals/<session>.deferred`). All private (0600 in
//! a 0700 directory), written whole, never through a symlink.

use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use cc_notify_core::approval::{InstallSecret, RequestId};
use cc_notify_core::store::{nofollow, session_file_stem};

use super::{PENDING_DIR, SECRET_FILE};

/// The per-install secret: read from the state directory, or made and stored there (0600,
/// created exclusively, never through a symlink).
pub(super) fn install_secret(state: &Path) -> io::Result<InstallSecret> {
    let path = state.join(SECRET_FILE);
    let read = |path: &Path| -> io::Result<InstallSecret> {
        let mut text = String::new();
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)?
            .take(256)
            .read_to_string(&mut text)?;
        InstallSecret::from_hex(&text)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "the key file is damaged"))
    };
    match read(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        other => return other,
    }
    let secret = InstallSecret::generate().map_err(io::Error::other)?;
    // Written whole to a private temporary file, then linked into place: a hook starting at
    // the same moment sees either no key or the whole key, never a half-written one.
    let tmp = state.join(format!("{SECRET_FILE}.tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let mut f = nofollow().write(true).create_new(true).open(&tmp)?;
    let written = f
        .write_all(secret.to_hex().as_bytes())
        .and_then(|()| f.sync_all());
    drop(f);
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, &path));
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(secret),
        // Another hook made it first: use theirs.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => read(&path),
        Err(e) => Err(e),
    }
}

/// The marker of a waiting request: `approvals/<session>.pending` holding
/// `<request id>\t<tool name>\t<waiting process id>:<its start time>`.
pub(super) struct Marker {
    path: PathBuf,
    content: String,
}

/// Where the marker of `session_id`'s waiting request lives.
pub(super) fn marker_path(state: &Path, session_id: &str) -> PathBuf {
    state
        .join(PENDING_DIR)
        .join(format!("{}.pending", session_file_stem(session_id)))
}

impl Marker {
    /// Records request `id` for `tool` as the session's waiting request (replacing any).
    pub(super) fn create(
        state: &Path,
        session_id: &str,
        id: &RequestId,
        tool: &str,
    ) -> io::Result<Marker> {
        let dir = state.join(PENDING_DIR);
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        if !std::fs::symlink_metadata(&dir)?.is_dir() {
            return Err(io::Error::other("approvals is not a directory"));
        }
        let path = marker_path(state, session_id);
        let me = std::process::id();
        let started = crate::process::process_start_time(me).unwrap_or(0);
        let content = format!("{id}\t{tool}\t{me}:{started}");
        let _ = std::fs::remove_file(&path);
        let mut f = nofollow().write(true).create_new(true).open(&path)?;
        f.write_all(content.as_bytes())?;
        Ok(Marker { path, content })
    }

    /// Still this request's: the file exists and names it (a newer request replaces it).
    pub(super) fn still_ours(&self) -> bool {
        read_small(&self.path).is_some_and(|c| c == self.content)
    }
}

impl Drop for Marker {
    /// The request is over, however it ended: the marker goes (unless a newer one replaced it).
    fn drop(&mut self) {
        if self.still_ours() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A small file's text (at most 1 KiB), never through a symlink.
pub(super) fn read_small(path: &Path) -> Option<String> {
    let mut text = String::new();
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .ok()?
        .take(1024)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// `approvals/<session>.deferred`: a needs-input notice held while the phone is asked.
pub(super) fn deferred_path(state: &Path, session_id: &str) -> PathBuf {
    state
        .join(PENDING_DIR)
        .join(format!("{}.deferred", session_file_stem(session_id)))
}

/// Takes the notice held for the session, if any: exactly one process gets it (a rename).
pub(super) fn take_deferred(state: &Path, session_id: &str) -> Option<Vec<u8>> {
    let held = deferred_path(state, session_id);
    let taken = held.with_extension(format!("taken{}", std::process::id()));
    std::fs::rename(&held, &taken).ok()?;
    let doc = read_small_bytes(&taken, 1 << 20);
    let _ = std::fs::remove_file(&taken);
    doc
}

/// Writes `bytes` to `path` (replacing it) through a private temporary file, never through a
/// symlink.
pub(super) fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = nofollow().write(true).create_new(true).open(&tmp)?;
    f.write_all(bytes)?;
    drop(f);
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn read_small_bytes(path: &Path, max: u64) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .ok()?
        .take(max)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}
