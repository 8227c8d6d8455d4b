//! Runs the fuzz bodies (`cc_notify_core::fuzzing`) over a fixed corpus on stable, so every
//! test run checks their invariants: real transcripts cut at every line and mid-line, the hook
//! payload samples, and hand-made edge cases.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::fs;
use std::path::Path;

use cc_notify_core::fuzzing;

fn data(name: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

const TRANSCRIPTS: [&str; 4] = [
    "transcripts/tui-multi-toolfail-permreject-subagent.jsonl",
    "transcripts/tui-permission-apierror.jsonl",
    "transcripts/tui-interrupts-compact.jsonl",
    "transcripts/subagents/agent-a3790078220671628.jsonl",
];

/// Inputs that once broke something, or that sit on a boundary.
const EDGE_CASES: [&[u8]; 16] = [
    // Fuzz finds: invalid UTF-8 or a lone surrogate in a string the hook parser skips.
    b"{\"session_id\":\"s\",\"hook_event_name\":\"Stop\",\"last_asshstant_message\":\"\\ud66d\\ude00\"}",
    b"{\"session_id\":\"s\",\"hook_event_name\":\"SessionStart\",\"zource\":\"compa\xe3t\"}\n",
    b"",
    b"\n",
    // Fuzz find: a JSON array of strings was read as a struct, field by field.
    b"[\"\", \r\"\", \r\"\"]",
    b"[\"s\",\"Stop\"]",
    b"\n\n\n",
    b"{",
    b"{\"type\":\"",
    b"{\"type\":\"assistant\"",
    b"{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"a\"}]}}",
    b"{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"a\"}]}}\r\n",
    b"{\"type\":\"user\",\"promptSource\":\"typed\",\"message\":{\"content\":\"x\"}}\n{\"type\":\"user\",\"promptSource\":\"typed\",\"message\":{\"content\":\"y\"}}",
    b"\xff\xfe\x00\n{\"type\":\"assistant\",\"message\":{\"id\":\"\",\"content\":[{\"type\":\"text\",\"text\":\"\"}],\"stop_reason\":\"end_turn\"}}\n",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b"{\"session_id\":\"s\",\"hook_event_name\":\"Stop\",\"hook_event_name\":\"Other\"}",
];

#[test]
fn transcript_body_on_real_transcripts_cut_everywhere() {
    for name in TRANSCRIPTS {
        let data = data(name);
        fuzzing::transcript(&data);
        for (i, b) in data.iter().enumerate() {
            if *b == b'\n' {
                fuzzing::transcript(&data[..=i]);
                fuzzing::transcript(&data[..i]);
                fuzzing::transcript(&data[..i.saturating_sub(7)]);
                fuzzing::transcript(&data[i + 1..]);
            }
        }
    }
}

#[test]
fn transcript_body_on_edge_cases() {
    for case in EDGE_CASES {
        fuzzing::transcript(case);
    }
}

#[test]
fn hook_event_body_on_samples_and_edge_cases() {
    let samples = data("hook_events.jsonl");
    let lines: Vec<&[u8]> = samples.split(|b| *b == b'\n').collect();
    assert!(lines.len() > 15);
    for line in lines {
        fuzzing::hook_event(line);
        for cut in [line.len() / 2, line.len().saturating_sub(1)] {
            fuzzing::hook_event(&line[..cut]);
        }
    }
    for case in EDGE_CASES {
        fuzzing::hook_event(case);
    }
    for name in TRANSCRIPTS {
        for line in data(name).split(|b| *b == b'\n') {
            fuzzing::hook_event(line);
        }
    }
}
