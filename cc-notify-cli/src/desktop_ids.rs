//! The desktop notification daemon's id of each session's last notification, kept in the
//! state directory so the next push of the session — sent by another, short-lived process —
//! replaces it rather than stacking a new one.

use cc_notify_core::store::StateDir;
use serde::{Deserialize, Serialize};

/// The file's name in the state directory.
const FILE: &str = "_desktop";

/// The most sessions remembered; the oldest are forgotten beyond it.
const CAP: usize = 64;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Ids {
    /// (session id, daemon's notification id), oldest first.
    sessions: Vec<(String, u32)>,
}

/// The id of `session`'s last desktop notification; 0 (the daemon's "none") when unknown.
pub fn get(dir: &StateDir, session: &str) -> u32 {
    dir.lock(FILE)
        .ok()
        .and_then(|g| g.load::<Ids>().ok())
        .and_then(|ids| ids.sessions.into_iter().find(|(s, _)| s == session))
        .map_or(0, |(_, id)| id)
}

/// Remembers `id` as `session`'s last desktop notification (best effort: a failure only means
/// the next one stacks).
pub fn set(dir: &StateDir, session: &str, id: u32) {
    let Ok(guard) = dir.lock(FILE) else { return };
    let mut ids: Ids = guard.load().unwrap_or_default();
    ids.sessions.retain(|(s, _)| s != session);
    ids.sessions.push((session.to_owned(), id));
    let over = ids.sessions.len().saturating_sub(CAP);
    ids.sessions.drain(..over);
    let _ = guard.save(&ids);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_session_keeps_its_last_id_and_old_sessions_are_forgotten() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = StateDir::open(tmp.path().join("state")).expect("state dir");
        assert_eq!(get(&dir, "a"), 0);
        set(&dir, "a", 7);
        set(&dir, "b", 9);
        set(&dir, "a", 11);
        assert_eq!((get(&dir, "a"), get(&dir, "b")), (11, 9));
        for i in 0..CAP {
            set(&dir, &format!("s{i}"), 1);
        }
        assert_eq!(get(&dir, "b"), 0, "the oldest session is forgotten");
    }
}
