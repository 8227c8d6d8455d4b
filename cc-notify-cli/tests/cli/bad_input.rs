//! Bad input never hurts: whatever arrives on stdin or sits at `transcript_path`, the hook
//! reads it all, exits 0, prints nothing, logs one line and keeps the session's state.

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::harness::{FAST, PATIENCE, SLOW, World, event, finish_hook, wait_until};

/// Log lines the hook wrote: they name the event, or no session at all (input that did not
/// parse). Deliverers of earlier cases log with a session but no event.
fn hook_lines(world: &World) -> Vec<Value> {
    world
        .log()
        .into_iter()
        .filter(|r| r.get("event").is_some() || r.get("session").is_none())
        .collect()
}

/// Runs the hook on `input` and returns the one log line it must have added.
fn one_line(world: &World, input: Vec<u8>, what: &str) -> Value {
    let before = hook_lines(world).len();
    world.hook(input, what);
    let log = hook_lines(world);
    assert_eq!(
        log.len(),
        before + 1,
        "{what}: expected exactly one new log line, got {:?}",
        &log[before.min(log.len())..]
    );
    let line = log[before].clone();
    assert!(
        line["reason"].as_str().is_some_and(|r| r.len() > 10),
        "{what}: the log line says nothing: {line}"
    );
    line
}

/// Starts a turn in `session` and returns when it started (ms), as stored.
fn start_turn(world: &World, session: &str) -> u64 {
    world.event(
        session,
        "UserPromptSubmit",
        json!({"prompt": "fix the tests"}),
    );
    world.session(session)["state"]["turn"]["started_ms"]
        .as_u64()
        .expect("a started turn is stored")
}

#[test]
fn malformed_hook_input_is_logged_and_the_session_kept() {
    let world = World::new(SLOW);
    let sid = "bad-input";
    start_turn(&world, sid);
    let kept = world.session_bytes(sid);

    let garbage: Vec<u8> = (0..65_536u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    // 50 MB: a Stop whose last field never ends (Claude Code's largest seen stdin was 2.4 MB).
    let mut huge =
        br#"{"session_id":"bad-input","hook_event_name":"Stop","last_assistant_message":""#
            .to_vec();
    huge.resize(50 << 20, b'a');
    let deep = format!(
        r#"{{"session_id":"bad-input","hook_event_name":"Stop","tool_calls":{}"#,
        "[".repeat(200_000)
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "malformed JSON",
            br#"{"session_id":"bad-input","hook_event_name":"Stop""#.to_vec(),
        ),
        ("empty stdin", Vec::new()),
        ("binary garbage", garbage),
        ("50 MB of stdin", huge),
        ("deeply nested JSON", deep.into_bytes()),
        ("not an object", b"[1, 2, 3]\n".to_vec()),
        ("null", b"null\n".to_vec()),
        (
            "invalid UTF-8 in the session id",
            b"{\"session_id\":\"bad-\xff\xfe\",\"hook_event_name\":\"Stop\"}\n".to_vec(),
        ),
        (
            "no session id",
            br#"{"hook_event_name":"Stop","cwd":"/home/dev/proj"}"#.to_vec(),
        ),
    ];
    let mut cases = cases;
    // Wrong types for fields the hook reads.
    for (field, value) in [
        ("session_id", json!(5)),
        ("hook_event_name", json!(["Stop"])),
        ("last_assistant_message", json!({"text": "hi"})),
        ("stop_hook_active", json!("yes")),
        ("transcript_path", json!([1, 2])),
        ("cwd", json!(7)),
    ] {
        let mut v = json!({"session_id": sid, "hook_event_name": "Stop"});
        v[field] = value;
        cases.push((field, serde_json::to_vec(&v).expect("json")));
    }
    for (what, input) in cases {
        let line = one_line(&world, input, what);
        assert_eq!(line["decision"], "error", "{what}: {line}");
        assert!(
            line["reason"]
                .as_str()
                .is_some_and(|r| r.contains("event ignored")),
            "{what}: {line}"
        );
        assert_eq!(
            world.session_bytes(sid),
            kept,
            "{what}: the session changed"
        );
    }
}

#[test]
fn unknown_events_are_logged_and_change_nothing() {
    let world = World::new(SLOW);
    let sid = "unknown-event";
    let started = start_turn(&world, sid);
    let line = one_line(
        &world,
        event(sid, "SomeFutureEvent", json!({"payload": {"x": [1, 2]}})),
        "unknown event",
    );
    assert_eq!(line["session"], sid);
    assert!(
        line["reason"]
            .as_str()
            .is_some_and(|r| r.contains("SomeFutureEvent")),
        "{line}"
    );
    assert_eq!(
        world.session(sid)["state"]["turn"]["started_ms"].as_u64(),
        Some(started)
    );
}

/// Writes a 200 MB single-line transcript quickly: a record head, a sparse hole, a tail.
fn giant_line(path: &Path) {
    let mut f = std::fs::File::create(path).expect("create");
    f.write_all(
        br#"{"type":"assistant","message":{"role":"assistant","content":[{"type":"text","text":""#,
    )
    .expect("write");
    let len = 200u64 << 20;
    f.set_len(len).expect("set_len");
    f.seek(SeekFrom::Start(len)).expect("seek");
    f.write_all(b"\"}]}}\n").expect("write");
}

/// Transcript lines as Claude Code writes them, `n` of them, each about 1 KB.
fn transcript_lines(n: usize) -> Vec<u8> {
    let text = "All tests pass now. ".repeat(45);
    let mut out = Vec::new();
    for i in 0..n {
        let rec = json!({
            "type": "assistant",
            "uuid": format!("u-{i}"),
            "message": {"role": "assistant", "content": [{"type": "text", "text": text}]},
        });
        out.extend(serde_json::to_vec(&rec).expect("json"));
        out.push(b'\n');
    }
    out
}

#[test]
fn hostile_transcript_paths_never_block_or_break_the_hook() {
    let world = World::new(FAST);
    let dir = world.root.path().join("transcripts");
    std::fs::create_dir(&dir).expect("mkdir");

    let fifo = dir.join("fifo.jsonl");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .expect("mkfifo");
    let (loop_a, loop_b) = (dir.join("loop-a.jsonl"), dir.join("loop-b.jsonl"));
    std::os::unix::fs::symlink(&loop_b, &loop_a).expect("symlink");
    std::os::unix::fs::symlink(&loop_a, &loop_b).expect("symlink");
    let invalid_utf8 = dir.join("invalid-utf8.jsonl");
    let mut bytes = transcript_lines(3);
    bytes.extend(b"{\"type\":\"assistant\",\"message\":{\"content\":[{\"type\":\"text\",\"text\":\"bad \xff\xfe\xc0 bytes\"}]}}\n");
    std::fs::write(&invalid_utf8, bytes).expect("write");
    let giant = dir.join("giant.jsonl");
    giant_line(&giant);

    let missing = dir.join("missing.jsonl");
    let cases: Vec<(&str, &Path)> = vec![
        ("missing", &missing),
        ("a directory", &dir),
        ("a FIFO", &fifo),
        ("/dev/zero", Path::new("/dev/zero")),
        ("a symlink loop", &loop_a),
        ("invalid UTF-8", &invalid_utf8),
        ("a 200 MB single line", &giant),
    ];
    for (i, (what, path)) in cases.iter().enumerate() {
        let sid = format!("transcript-{i}");
        let started = start_turn(&world, &sid);
        // No last_assistant_message: the hook has to read the transcript.
        let input = event(&sid, "Stop", json!({"transcript_path": path}));
        let line = one_line(&world, input, what);
        assert_eq!(line["decision"], "scheduled", "{what}: {line}");
        let state = world.session(&sid);
        assert_eq!(
            state["state"]["turn"]["started_ms"].as_u64(),
            Some(started),
            "{what}: the turn was lost"
        );
    }
    std::fs::remove_file(&giant).expect("remove the 200 MB file");

    // A transcript truncated while the hook reads it: 40 MB, cut to half then to nothing.
    let sid = "transcript-truncated";
    start_turn(&world, sid);
    let shrinking = dir.join("shrinking.jsonl");
    std::fs::write(&shrinking, transcript_lines(40_000)).expect("write");
    let (child, writer) =
        world.spawn_hook(event(sid, "Stop", json!({"transcript_path": &shrinking})));
    let f = OpenOptions::new()
        .write(true)
        .open(&shrinking)
        .expect("open");
    f.set_len(20 << 20).expect("truncate");
    f.set_len(0).expect("truncate");
    finish_hook(child, writer, "a transcript truncated while read");
    // (The push may already be out by now: the delay is short. The count below checks it.)
    assert_eq!(world.decisions(sid, "scheduled").len(), 1);

    // Every one of those turns still gets its push, and the API accepts it.
    let n = cases.len() + 1;
    let requests = world.fake.wait_for_requests(n, PATIENCE);
    assert_eq!(requests.len(), n, "{requests:#?}");
    for r in &requests {
        assert_eq!(r.status, Some(200), "refused push: {r:?}");
    }
    assert!(wait_until(|| world
        .log()
        .iter()
        .filter(|r| r["decision"] == "fired")
        .count()
        == n));
}
