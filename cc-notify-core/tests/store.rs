//! The state directory, session state under lock, and the decision log.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::Command;
use std::{fs, thread};

use cc_notify_core::decision::DecisionKind;
use cc_notify_core::decision_log::{self, LogRecord, OLD_LOG_FILE, ROTATE_AT};
use cc_notify_core::store::{StateDir, StoreError, session_file_stem};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
struct Counter {
    n: u64,
}

fn increment(dir: &StateDir, id: &str, times: u64) {
    for _ in 0..times {
        let guard = dir.lock(id).unwrap();
        let mut c: Counter = guard.load().unwrap();
        c.n += 1;
        guard.save(&c).unwrap();
    }
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().mode() & 0o777
}

#[test]
fn creates_the_directory_and_parents_private() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("a/b/cc-notify");
    let dir = StateDir::open(&path).unwrap();
    assert_eq!(dir.path(), path);
    assert_eq!(mode(&path), 0o700);
    assert_eq!(mode(&path.join("sessions")), 0o700);
}

#[test]
fn our_own_open_directory_is_tightened_to_0700() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("state");
    fs::create_dir(&path).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o777)).unwrap();
    StateDir::open(&path).unwrap();
    assert_eq!(mode(&path), 0o700);
}

#[test]
fn a_symlinked_or_non_directory_state_dir_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real");
    fs::create_dir(&real).unwrap();
    let link = tmp.path().join("link");
    symlink(&real, &link).unwrap();
    assert!(matches!(
        StateDir::open(&link),
        Err(StoreError::Symlink { path }) if path == link
    ));
    let file = tmp.path().join("file");
    fs::write(&file, "x").unwrap();
    let err = StateDir::open(&file).unwrap_err();
    assert!(matches!(err, StoreError::NotADirectory { .. }));
    assert!(err.is_permanent());
    assert!(err.to_string().contains(&*file.to_string_lossy()));
}

#[test]
fn a_directory_owned_by_someone_else_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("foreign");
    fs::create_dir(&path).unwrap();
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
    } else {
        // As an ordinary user we cannot give a directory away; the root directory is foreign.
        let root = Path::new("/");
        assert!(matches!(
            StateDir::open(root),
            Err(StoreError::ForeignOwner { owner: 0, .. })
        ));
        return;
    }
    assert!(matches!(
        StateDir::open(&path),
        Err(StoreError::ForeignOwner { owner: 65534, .. })
    ));
}

#[test]
fn state_round_trips_and_missing_state_is_default() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::open(tmp.path().join("s")).unwrap();
    let guard = dir.lock("sess-1").unwrap();
    assert_eq!(guard.load::<Counter>().unwrap(), Counter::default());
    guard.save(&Counter { n: 7 }).unwrap();
    assert_eq!(guard.load::<Counter>().unwrap(), Counter { n: 7 });
    assert_eq!(mode(guard.path()), 0o600);
    guard.remove().unwrap();
    guard.remove().unwrap();
    assert_eq!(guard.load::<Counter>().unwrap(), Counter::default());
}

#[test]
fn rewrites_of_any_length_read_back_exactly_and_the_file_stays_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::open(tmp.path().join("s")).unwrap();
    let guard = dir.lock("sess-1").unwrap();
    // Long, then short (padded in place), then long again, then tiny after a huge one.
    let long = "x".repeat(3000);
    let huge = "y".repeat(100_000);
    for text in [long.as_str(), "a", long.as_str(), "", huge.as_str(), "b"] {
        guard.save(&text).unwrap();
        assert_eq!(guard.load::<String>().unwrap(), text);
        assert_eq!(mode(guard.path()), 0o600);
    }
    // After the huge state, the tiny one was not left padded to 100 KB.
    let len = fs::metadata(guard.path()).unwrap().len();
    assert!(
        len < 10_000,
        "the state file kept {len} bytes for a 3-byte state"
    );
}

#[test]
fn sessions_lists_stored_state_only() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::open(tmp.path().join("s")).unwrap();
    for id in ["b", "a", "x/y"] {
        dir.lock(id).unwrap().save(&Counter { n: 1 }).unwrap();
    }
    dir.lock("only-locked").unwrap();
    let names: Vec<String> = dir.sessions().unwrap().into_iter().map(|s| s.0).collect();
    assert_eq!(names, ["a", "b", session_file_stem("x/y").as_str()]);
}

#[test]
fn a_corrupt_state_file_is_reported_and_kept_aside() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::open(tmp.path().join("s")).unwrap();
    let guard = dir.lock("s1").unwrap();
    fs::write(guard.path(), b"{not json").unwrap();
    match guard.load::<Counter>() {
        Err(StoreError::Corrupt { kept, .. }) => {
            assert_eq!(fs::read(kept).unwrap(), b"{not json");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(guard.load::<Counter>().unwrap(), Counter::default());
}

#[test]
fn a_symlinked_state_or_lock_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::open(tmp.path().join("s")).unwrap();
    let target = tmp.path().join("elsewhere.json");
    fs::write(&target, br#"{"n":41}"#).unwrap();
    let guard = dir.lock("s1").unwrap();
    symlink(&target, guard.path()).unwrap();
    assert!(matches!(
        guard.load::<Counter>(),
        Err(StoreError::Symlink { .. })
    ));
    // Saving replaces the link itself; the target is never written through it.
    guard.save(&Counter { n: 1 }).unwrap();
    assert_eq!(fs::read(&target).unwrap(), br#"{"n":41}"#);

    symlink(&target, dir.path().join("sessions/s2.lock")).unwrap();
    assert!(matches!(dir.lock("s2"), Err(StoreError::Symlink { .. })));
}

#[test]
fn concurrent_threads_never_lose_an_increment() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::open(tmp.path().join("s")).unwrap();
    thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| increment(&dir, "shared", 25));
        }
    });
    let n = dir.lock("shared").unwrap().load::<Counter>().unwrap().n;
    assert_eq!(n, 200);
}

const CHILD_DIR: &str = "CC_NOTIFY_TEST_STORE_CHILD_DIR";

/// Run by `concurrent_processes_never_lose_an_increment` in child processes.
#[test]
#[ignore = "helper: run in child processes by concurrent_processes_never_lose_an_increment"]
fn child_increments() {
    let path = std::env::var_os(CHILD_DIR).expect("run by the parent test");
    increment(&StateDir::open(path).unwrap(), "shared", 25);
}

#[test]
fn concurrent_processes_never_lose_an_increment() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s");
    StateDir::open(&path).unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--ignored",
                    "--exact",
                    "store::child_increments",
                    "--test-threads=1",
                ])
                .env(CHILD_DIR, &path)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let dir = StateDir::open(&path).unwrap();
    assert_eq!(
        dir.lock("shared").unwrap().load::<Counter>().unwrap().n,
        100
    );
}

proptest! {
    #[test]
    fn session_stems_are_safe_and_injective(a in "\\PC{0,80}", b in "\\PC{0,80}") {
        let (sa, sb) = (session_file_stem(&a), session_file_stem(&b));
        for s in [&sa, &sb] {
            prop_assert!(!s.is_empty());
            prop_assert!(!s.contains('/') && !s.contains('\0') && !s.contains(".."));
            prop_assert!(!s.starts_with('.'));
            prop_assert!(s.len() <= 64 + 17);
        }
        prop_assert_eq!(a == b, sa == sb);
    }

    #[test]
    fn clean_ids_name_their_own_files(id in "[A-Za-z0-9_-]{1,64}") {
        prop_assert_eq!(session_file_stem(&id), id);
    }
}

fn record(i: u64) -> LogRecord {
    let mut r = LogRecord::new(i, DecisionKind::Fired, format!("push {i}"));
    r.session = Some("s1".into());
    r.push_id = Some(i);
    r
}

#[test]
fn log_records_read_back_newest_last() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::open(tmp.path().join("s")).unwrap();
    assert!(decision_log::read_last(&dir, 5).unwrap().is_empty());
    for i in 0..10 {
        decision_log::append(&dir, &record(i)).unwrap();
    }
    let last = decision_log::read_last(&dir, 3).unwrap();
    assert_eq!(last, vec![record(7), record(8), record(9)]);
    assert_eq!(mode(&dir.path().join("log.jsonl")), 0o600);
}

#[test]
fn malformed_log_lines_are_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::open(tmp.path().join("s")).unwrap();
    decision_log::append(&dir, &record(1)).unwrap();
    let path = dir.path().join("log.jsonl");
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str("{\"ts_ms\":tor\nnot json at all\n\n");
    fs::write(&path, text).unwrap();
    decision_log::append(&dir, &record(2)).unwrap();
    assert_eq!(
        decision_log::read_last(&dir, 10).unwrap(),
        vec![record(1), record(2)]
    );
}

#[test]
fn long_reasons_are_cut_to_one_bounded_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::open(tmp.path().join("s")).unwrap();
    let mut r = record(1);
    r.reason = "é\u{1}".repeat(5000);
    decision_log::append(&dir, &r).unwrap();
    let text = fs::read_to_string(dir.path().join("log.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.len() <= decision_log::MAX_LINE);
    let back = decision_log::read_last(&dir, 1).unwrap();
    assert!(r.reason.starts_with(back[0].reason.trim_end_matches('…')));
}

#[test]
fn concurrent_appends_never_interleave() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::open(tmp.path().join("s")).unwrap();
    thread::scope(|s| {
        for t in 0..4u64 {
            let dir = &dir;
            s.spawn(move || {
                for i in 0..100 {
                    let mut r = record(t * 1000 + i);
                    r.reason = format!("{t}").repeat(900);
                    decision_log::append(dir, &r).unwrap();
                }
            });
        }
    });
    let text = fs::read_to_string(dir.path().join("log.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 400);
    for line in text.lines() {
        let r: LogRecord = serde_json::from_str(line).unwrap();
        let t = r.push_id.unwrap() / 1000;
        assert_eq!(r.reason, format!("{t}").repeat(900));
    }
}

#[test]
fn rotation_keeps_the_newest_lines_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StateDir::open(tmp.path().join("s")).unwrap();
    let mut i = 0;
    while !dir.path().join(OLD_LOG_FILE).exists() {
        let mut r = record(i);
        r.reason = "x".repeat(1500);
        decision_log::append(&dir, &r).unwrap();
        i += 1;
    }
    // A few more after the rotation, so the newest records span both files.
    for _ in 0..3 {
        decision_log::append(&dir, &record(i)).unwrap();
        i += 1;
    }
    let old_len = fs::metadata(dir.path().join(OLD_LOG_FILE)).unwrap().len();
    assert!(old_len > ROTATE_AT);
    let last = decision_log::read_last(&dir, 10).unwrap();
    let ids: Vec<u64> = last.iter().map(|r| r.push_id.unwrap()).collect();
    assert_eq!(ids, (i - 10..i).collect::<Vec<_>>());
}
