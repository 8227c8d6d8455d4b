//! Transcript reading against real Claude Code transcripts and built edge cases.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use cc_notify_core::transcript::{
    ApiError, MAX_SCAN_BACK, Scan, TranscriptError, TurnTail, last_reply, last_reply_in, last_turn,
    last_turn_in, scan_bytes, scan_from,
};

const MULTI: &str = "tui-multi-toolfail-permreject-subagent.jsonl";
const APIERR: &str = "tui-permission-apierror.jsonl";
const INTERRUPTS: &str = "tui-interrupts-compact.jsonl";
const SIDECHAIN: &str = "subagents/agent-a3790078220671628.jsonl";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/transcripts")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    fs::read(fixture(name)).unwrap()
}

/// The first `n` lines of a fixture.
fn first_lines(name: &str, n: usize) -> Vec<u8> {
    let data = read(name);
    let end = data
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(n - 1)
        .map(|(i, _)| i + 1)
        .unwrap();
    data[..end].to_vec()
}

/// Byte offset of 1-based line `n`.
fn line_offset(name: &str, n: usize) -> u64 {
    if n == 1 {
        0
    } else {
        first_lines(name, n - 1).len() as u64
    }
}

/// Writes `data` to a fresh temp file and runs the file-based tail lookup on it, checking that
/// the in-memory lookup agrees.
fn tail_of(data: &[u8]) -> TurnTail {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    fs::write(&path, data).unwrap();
    let tail = last_turn(&path).unwrap();
    assert_eq!(tail, last_turn_in(data).unwrap());
    tail
}

fn texts(scan: &Scan) -> Vec<(&str, bool)> {
    scan.messages
        .iter()
        .map(|m| (m.text.as_str(), m.end_turn))
        .collect()
}

// ---- real transcripts: tail lookup ----

#[test]
fn two_block_final_reply_is_joined() {
    let tail = tail_of(&first_lines(MULTI, 41));
    assert_eq!(
        tail.final_reply.as_deref(),
        Some("Final answer: everything worked.\n\nSecond final block.")
    );
    assert_eq!(tail.prompt_offset, Some(line_offset(MULTI, 5)));
    assert_eq!((tail.failed_tools, tail.last_tool_failed), (0, false));
    assert_eq!(tail.api_error, None);
    assert!(!tail.interrupted);
}

#[test]
fn failed_ls_is_counted() {
    let tail = tail_of(&first_lines(MULTI, 51));
    assert_eq!(tail.prompt_offset, Some(line_offset(MULTI, 43)));
    assert_eq!((tail.failed_tools, tail.last_tool_failed), (1, true));
    assert_eq!(
        tail.final_reply.as_deref(),
        Some("Done. Here's the summary: all good.")
    );
}

#[test]
fn the_reply_alone_is_read_without_going_back_to_the_prompt() {
    let data = first_lines(MULTI, 51);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    fs::write(&path, &data).unwrap();
    let reply = last_reply(&path).unwrap();
    assert_eq!(reply, last_reply_in(&data).unwrap());
    assert_eq!(
        reply.final_reply.as_deref(),
        Some("Done. Here's the summary: all good.")
    );
    assert_eq!(reply.prompt_offset, None, "read back past the reply");
    assert_eq!(
        reply.failed_tools, 0,
        "the failed call lies before the reply"
    );
}

#[test]
fn the_reply_alone_is_the_turns_reply_at_every_point_of_real_sessions() {
    for name in [MULTI, APIERR, INTERRUPTS] {
        let data = read(name);
        let ends = (1..=data.len()).filter(|&i| data[i - 1] == b'\n');
        for end in ends {
            let (turn, reply) = (
                last_turn_in(&data[..end]).unwrap(),
                last_reply_in(&data[..end]).unwrap(),
            );
            assert_eq!(reply.final_reply, turn.final_reply, "{name} at byte {end}");
            assert_eq!(reply.api_error, turn.api_error, "{name} at byte {end}");
        }
    }
}

#[test]
fn rejected_permission_is_an_interrupted_turn_without_reply() {
    let tail = tail_of(&first_lines(MULTI, 58));
    assert!(tail.interrupted);
    assert_eq!(tail.final_reply, None);
    assert_eq!((tail.failed_tools, tail.last_tool_failed), (1, true));
}

#[test]
fn task_notification_continues_the_turn_of_the_human_prompt() {
    let tail = tail_of(&read(MULTI));
    assert_eq!(tail.prompt_offset, Some(line_offset(MULTI, 67)));
    assert_eq!(
        tail.final_reply.as_deref(),
        Some("Done. Here's the summary: all good.")
    );
    assert_eq!((tail.failed_tools, tail.last_tool_failed), (0, false));
}

#[test]
fn api_error_turn() {
    let tail = tail_of(&read(APIERR));
    assert_eq!(tail.prompt_offset, Some(line_offset(APIERR, 64)));
    assert_eq!(
        tail.api_error,
        Some(ApiError {
            text: "API Error: 400 Fake 400 error for testing".into(),
            status: Some(400),
        })
    );
    assert_eq!(tail.final_reply, None);
}

#[test]
fn turn_before_the_api_error_is_plain() {
    let tail = tail_of(&first_lines(APIERR, 47));
    assert_eq!(tail.api_error, None);
    assert_eq!(
        tail.final_reply.as_deref(),
        Some("The command printed hello-from-tool.")
    );
}

#[test]
fn esc_while_streaming_leaves_no_reply() {
    let tail = tail_of(&first_lines(INTERRUPTS, 27));
    assert!(tail.interrupted);
    assert_eq!(tail.final_reply, None);
    assert_eq!(tail.prompt_offset, Some(line_offset(INTERRUPTS, 8)));
}

#[test]
fn validation_error_counts_as_failed_tool() {
    let tail = tail_of(&first_lines(INTERRUPTS, 43));
    assert_eq!((tail.failed_tools, tail.last_tool_failed), (1, true));
    assert_eq!(tail.final_reply.as_deref(), Some("Slept."));
    assert!(!tail.interrupted);
}

#[test]
fn slash_commands_and_compaction_are_not_prompts() {
    let tail = tail_of(&read(INTERRUPTS));
    assert_eq!(tail.prompt_offset, Some(line_offset(INTERRUPTS, 52)));
    assert_eq!(tail.final_reply.as_deref(), Some("Slept."));
}

#[test]
fn sidechain_file_has_no_main_turn() {
    assert_eq!(tail_of(&read(SIDECHAIN)), TurnTail::default());
    assert_eq!(scan_from(&fixture(SIDECHAIN), 0).unwrap().messages, []);
}

// ---- real transcripts: incremental scan ----

const MULTI_MESSAGES: [(&str, bool); 10] = [
    ("Step one: listing.", false),
    ("Step two: checking.", false),
    (
        "Final answer: everything worked.\n\nSecond final block.",
        true,
    ),
    ("I'll check the files now.", false),
    ("Done. Here's the summary: all good.", true),
    ("Touching a file.", false),
    ("Touched.", true),
    ("Delegating.", false),
    ("Subagent reported back; done.", true),
    ("Done. Here's the summary: all good.", true),
];

#[test]
fn scan_reports_every_text_message_once() {
    let path = fixture(MULTI);
    let scan = scan_from(&path, 0).unwrap();
    assert_eq!(texts(&scan), MULTI_MESSAGES);
    assert_eq!(scan.next_offset, fs::metadata(&path).unwrap().len());
    assert_eq!(scan.messages[2].offset, line_offset(MULTI, 38));
}

#[test]
fn scan_skips_api_errors() {
    let scan = scan_from(&fixture(APIERR), 0).unwrap();
    assert!(
        scan.messages
            .iter()
            .all(|m| !m.text.starts_with("API Error"))
    );
    assert_eq!(
        scan.messages.last().map(|m| m.text.as_str()),
        Some("The command printed hello-from-tool.")
    );
}

#[test]
fn growing_transcript_line_by_line_matches_one_scan() {
    let data = read(MULTI);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let mut file = fs::File::create(&path).unwrap();
    let (mut offset, mut seen) = (0, Vec::new());
    for line in data.split_inclusive(|b| *b == b'\n') {
        // Each line arrives in two writes: the scan must never consume half of it.
        let (a, b) = line.split_at(line.len() / 2);
        for part in [a, b] {
            file.write_all(part).unwrap();
            let scan = scan_from(&path, offset).unwrap();
            assert!(scan.next_offset >= offset);
            offset = scan.next_offset;
            seen.extend(scan.messages);
        }
    }
    let seen: Vec<_> = seen.iter().map(|m| (m.text.as_str(), m.end_turn)).collect();
    assert_eq!(seen, MULTI_MESSAGES);
}

// ---- built transcripts ----

fn prompt(text: &str) -> String {
    serde_json::json!({"type":"user","isSidechain":false,"promptSource":"typed",
        "message":{"role":"user","content":text}})
    .to_string()
        + "\n"
}

fn assistant(id: &str, text: &str, stop: &str) -> String {
    serde_json::json!({"parentUuid":"p","isSidechain":false,
        "message":{"id":id,"role":"assistant","model":"m","content":[{"type":"text","text":text}],
        "stop_reason":stop},"type":"assistant"})
    .to_string()
        + "\n"
}

fn tool_use(id: &str, input: &str) -> String {
    serde_json::json!({"isSidechain":false,"message":{"id":id,"role":"assistant",
        "content":[{"type":"tool_use","id":"t","name":"Write","input":{"content":input}}],
        "stop_reason":"tool_use"},"type":"assistant"})
    .to_string()
        + "\n"
}

fn tool_result(content: &str, is_error: bool) -> String {
    serde_json::json!({"isSidechain":false,"type":"user","message":{"role":"user",
        "content":[{"type":"tool_result","tool_use_id":"t","content":content,"is_error":is_error}]}})
    .to_string()
        + "\n"
}

const TURN_END: &str = "{\"type\":\"system\",\"subtype\":\"turn_duration\",\"durationMs\":1}\n";

struct Tmp {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn tmp_file(data: &[u8]) -> Tmp {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    fs::write(&path, data).unwrap();
    Tmp { _dir: dir, path }
}

fn append(path: &Path, data: &str) {
    fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(data.as_bytes())
        .unwrap();
}

#[test]
fn half_written_line_is_left_for_the_next_scan() {
    let head = prompt("go") + &assistant("m1", "first", "tool_use") + TURN_END;
    let line = assistant("m2", "second", "end_turn");
    let (a, b) = line.split_at(line.len() - 1); // all but the newline
    let t = tmp_file(format!("{head}{a}").as_bytes());

    let scan = scan_from(&t.path, 0).unwrap();
    assert_eq!(texts(&scan), [("first", false)]);
    assert_eq!(scan.next_offset, head.len() as u64);

    append(&t.path, b);
    append(&t.path, TURN_END);
    let scan = scan_from(&t.path, scan.next_offset).unwrap();
    assert_eq!(texts(&scan), [("second", true)]);
}

#[test]
fn message_split_over_records_is_reported_once_whole() {
    let head = prompt("go");
    let t = tmp_file((head.clone() + &assistant("m1", "block 0", "end_turn")).as_bytes());

    let scan = scan_from(&t.path, 0).unwrap();
    assert_eq!(scan.messages, []);
    assert_eq!(
        scan.next_offset,
        head.len() as u64,
        "held back at its first record"
    );

    append(&t.path, &assistant("m1", "block 1", "end_turn"));
    append(&t.path, TURN_END);
    let scan = scan_from(&t.path, scan.next_offset).unwrap();
    assert_eq!(texts(&scan), [("block 0\n\nblock 1", true)]);
    assert_eq!(scan.messages[0].offset, head.len() as u64);
}

#[test]
fn multi_megabyte_lines() {
    let big_reply = "r".repeat(5 << 20);
    let data = prompt("go")
        + &tool_use("m1", &"w".repeat(3 << 20))
        + &tool_result(&"x".repeat(8 << 20), true)
        + &format!(
            "{{\"type\":\"api-request-blob\",\"body\":\"{}\"}}\n",
            "b".repeat(4 << 20)
        )
        + &assistant("m2", &big_reply, "end_turn")
        + TURN_END;
    let tail = tail_of(data.as_bytes());
    assert_eq!(tail.final_reply.as_deref(), Some(big_reply.as_str()));
    assert_eq!(tail.prompt_offset, Some(0));
    assert_eq!((tail.failed_tools, tail.last_tool_failed), (1, true));

    let t = tmp_file(data.as_bytes());
    let scan = scan_from(&t.path, 0).unwrap();
    assert_eq!(texts(&scan), [(big_reply.as_str(), true)]);
    assert_eq!(scan.next_offset, data.len() as u64);
}

#[test]
fn garbage_lines_are_skipped() {
    let data = prompt("go")
        + "not json\n\n{\"type\":\"assistant\",\"message\":\n\u{0}\u{1}\u{ff}\n"
        + "{\"type\":\"assistant\",\"message\":{\"id\":7,\"content\":\"str\"}}\n"
        + "[1,2,3]\n{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\",\"is_error\":\"yes\"}]}}\n"
        + &assistant("m1", "done", "end_turn")
        + "{\"type\":\"assistant\",\"isSidechain\":tru\n"
        + TURN_END;
    let tail = tail_of(data.as_bytes());
    assert_eq!(tail.final_reply.as_deref(), Some("done"));
    assert_eq!(tail.prompt_offset, Some(0));
    assert_eq!(tail.failed_tools, 0);
    assert_eq!(
        texts(&scan_bytes(data.as_bytes(), 0).unwrap()),
        [("done", true)]
    );
}

#[test]
fn sidechain_records_inline_are_skipped() {
    let side = assistant("s1", "subagent says", "end_turn")
        .replace("\"isSidechain\":false", "\"isSidechain\":true");
    let data = prompt("go") + &assistant("m1", "main", "end_turn") + &side + TURN_END;
    let tail = tail_of(data.as_bytes());
    assert_eq!(tail.final_reply.as_deref(), Some("main"));
    assert_eq!(
        texts(&scan_bytes(data.as_bytes(), 0).unwrap()),
        [("main", true)]
    );
}

#[test]
fn empty_file() {
    assert_eq!(tail_of(b""), TurnTail::default());
    let t = tmp_file(b"");
    assert_eq!(scan_from(&t.path, 0).unwrap(), Scan::default());
}

#[test]
fn gives_up_looking_for_the_prompt_past_the_bound() {
    let filler = format!(
        "{{\"type\":\"attachment\",\"pad\":\"{}\"}}\n",
        "p".repeat(1 << 20)
    );
    let mut data = prompt("long ago");
    for _ in 0..=(MAX_SCAN_BACK >> 20) {
        data.push_str(&filler);
    }
    data += &assistant("m1", "still found", "end_turn");
    let tail = tail_of(data.as_bytes());
    assert_eq!(tail.prompt_offset, None);
    assert_eq!(tail.final_reply.as_deref(), Some("still found"));
}

#[test]
fn offset_past_end_is_a_permanent_error() {
    let t = tmp_file(prompt("go").as_bytes());
    let err = scan_from(&t.path, 1 << 20).unwrap_err();
    assert!(
        matches!(err, TranscriptError::OffsetPastEnd { .. }),
        "{err}"
    );
    assert!(err.is_permanent());
}

#[test]
fn missing_file_is_an_open_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = last_turn(&dir.path().join("nope.jsonl")).unwrap_err();
    assert!(matches!(err, TranscriptError::Open { .. }), "{err}");
    assert!(err.is_permanent());
}

fn assert_refused(path: &Path, kind: &str) {
    for err in [
        last_turn(path).unwrap_err(),
        scan_from(path, 0).unwrap_err(),
    ] {
        match &err {
            TranscriptError::NotRegularFile { kind: k, .. } => assert_eq!(*k, kind),
            other => panic!("expected NotRegularFile, got {other}"),
        }
        assert!(err.is_permanent());
    }
}

#[test]
fn directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert_refused(dir.path(), "directory");
}

#[cfg(unix)]
#[test]
fn symlink_is_refused() {
    let t = tmp_file(prompt("go").as_bytes());
    let link = t.path.with_file_name("link.jsonl");
    std::os::unix::fs::symlink(&t.path, &link).unwrap();
    assert_refused(&link, "symlink");
}

#[cfg(unix)]
#[test]
fn fifo_is_refused_without_blocking() {
    // Opening a FIFO that has no writer would block forever without O_NONBLOCK.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.jsonl");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    assert_refused(&fifo, "FIFO");
}

#[cfg(unix)]
#[test]
fn device_is_refused() {
    assert_refused(Path::new("/dev/null"), "device");
}
