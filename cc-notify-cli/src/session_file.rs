//! What the CLI keeps per session: the engine's state plus the delivery plan of the pending
//! push, in one file under one lock, so the hook and the deliverer never disagree.

use cc_notify_core::Notification;
use cc_notify_core::engine;
use cc_notify_core::state::{ProcessRef, SessionState};
use cc_notify_core::store::{StateDir, StoreError};
use serde::{Deserialize, Serialize};

/// The per-session file.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionFile {
    /// The turn engine's state.
    pub state: SessionState,
    /// How the pending push is to be delivered; `None` when nothing is pending.
    pub plan: Option<Plan>,
    /// The session ended while a push was pending: the deliverer may finish it, then removes
    /// the file.
    pub ended: bool,
    /// Progress pushes waiting to be sent, oldest first.
    pub progress_queue: Vec<Notification>,
    /// The process sending `progress_queue`, while one runs.
    pub progress_sender: Option<ProcessRef>,
}

impl SessionFile {
    /// A push is pending or progress pushes wait: an ended session's file must stay for the
    /// process that sends them.
    pub fn has_work(&self) -> bool {
        self.state.pending.is_some() || !self.progress_queue.is_empty()
    }

    /// Clears push `push` — from the pending state and its plan, each only while it is still
    /// that push's (a newer push keeps both) — giving the plan.
    pub fn drop_push(&mut self, push: u64) -> Option<Plan> {
        engine::mark_dropped(&mut self.state, push);
        self.plan.take_if(|p| p.push_id == push)
    }
}

/// Loads a session's file under its lock, applies `f`, then saves it if `f` changed it — or
/// removes it when the session has ended and nothing is left to send. `Ok(None)` when the
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
    if file.ended && !file.has_work() {
        guard.remove()?;
    } else if file != before {
        guard.save(&file)?;
    }
    Ok(Some(out))
}

/// The pending push, for the deliverer once its wait is over and for `status`. (What the
/// deliverer watches during the wait comes on its command line: [`crate::deliver::Watching`].)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The push's id (the engine's `Pending::id`).
    pub push_id: u64,
    /// What to send.
    pub notification: Notification,
    /// When the push was scheduled (Unix ms).
    pub scheduled_ms: u64,
    /// How long to wait before sending, in ms.
    pub delay_ms: u64,
    /// Where the reply is to be read at send time when the push was planned without it: an
    /// agent that writes it only after its hook ran (Copilot's session file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_file: Option<std::path::PathBuf>,
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
            ended: true,
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
