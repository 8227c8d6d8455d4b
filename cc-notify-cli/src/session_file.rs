//! What the CLI keeps per session: the engine's state (with the pending push, its one record)
//! and the queued progress pushes, in one file under one lock, so the hook and the deliverer
//! never disagree.

use cc_notify_core::Notification;
use cc_notify_core::engine;
use cc_notify_core::state::{Pending, ProcessRef, SessionState};
use cc_notify_core::store::{StateDir, StoreError};
use serde::{Deserialize, Serialize};

/// The per-session file.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionFile {
    /// The turn engine's state.
    pub state: SessionState,
    /// Progress pushes waiting to be sent, oldest first.
    pub progress_queue: Vec<Notification>,
    /// The process sending `progress_queue`, while one runs.
    pub progress_sender: Option<ProcessRef>,
}

impl SessionFile {
    /// The file is deleted: the engine's state is [finished](SessionState::finished) and no
    /// progress push waits for the process that sends them.
    pub fn finished(&self) -> bool {
        self.state.finished() && self.progress_queue.is_empty()
    }

    /// Clears push `push` while it is still the pending one (a newer push stays), giving it.
    pub fn drop_push(&mut self, push: u64) -> Option<Pending> {
        engine::mark_dropped(&mut self.state, push)
    }
}

/// Loads a session's file under its lock, applies `f`, then saves it if `f` changed it — or
/// removes it when it is [finished](SessionFile::finished). `Ok(None)` when the
/// session is gone (its file was removed): a delivery process never re-creates it.
pub fn update<T>(
    dir: &StateDir,
    session: &str,
    f: impl FnOnce(&mut SessionFile) -> T,
) -> Result<Option<T>, StoreError> {
    let guard = dir.lock(session)?;
    if !guard.path().exists() {
        return Ok(None);
    }
    let mut file: SessionFile = guard.load()?;
    let before = file.clone();
    let out = f(&mut file);
    if file.finished() {
        guard.remove()?;
    } else if file != before {
        guard.save(&file)?;
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cc_notify_core::{Kind, Notification};

    fn dir() -> (tempfile::TempDir, StateDir) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = StateDir::open(tmp.path().join("state")).expect("state dir");
        (tmp, dir)
    }

    #[test]
    fn a_gone_session_is_never_recreated() {
        let (_tmp, dir) = dir();
        assert_eq!(update(&dir, "s", |_| ()).expect("update"), None);
        let guard = dir.lock("s").expect("lock");
        assert!(!guard.path().exists());
    }

    #[test]
    fn an_ended_session_stays_while_progress_waits_and_goes_once_sent() {
        let (_tmp, dir) = dir();
        let file = SessionFile {
            state: SessionState {
                ended: true,
                ..SessionState::default()
            },
            progress_queue: vec![Notification::new(Kind::Progress, "t", "step 1")],
            ..SessionFile::default()
        };
        dir.lock("s").expect("lock").save(&file).expect("save");

        assert_eq!(
            update(&dir, "s", |f| f.progress_queue.len()).expect("update"),
            Some(1)
        );
        assert!(
            dir.lock("s").expect("lock").path().exists(),
            "queued progress was dropped"
        );

        update(&dir, "s", |f| f.progress_queue.clear()).expect("update");
        assert!(
            !dir.lock("s").expect("lock").path().exists(),
            "an ended, idle session stays"
        );
    }
}
