//! Fixtures for the criterion benchmarks in `benches/`: synthetic transcripts built from real
//! Claude Code record shapes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// A real session: a typed prompt, bookkeeping, two tool rounds, a two-block final reply.
const REAL: &[u8] = include_bytes!(
    "../cc-notify-core/tests/data/transcripts/tui-multi-toolfail-permreject-subagent.jsonl"
);

/// 1-based, inclusive line range of [`REAL`], with trailing newlines.
fn real_lines(from: usize, to: usize) -> Vec<u8> {
    REAL.split_inclusive(|b| *b == b'\n')
        .skip(from - 1)
        .take(to + 1 - from)
        .flatten()
        .copied()
        .collect()
}

/// A Write of `size` bytes as Claude Code records it: the assistant tool_use record carrying the
/// content and the user tool_result record carrying it again in `toolUseResult`.
fn big_tool_round(n: u64, size: usize) -> Vec<u8> {
    let content: String = "fn main() {\n    println!(\"hello, \\\"world\\\"\");\n}\n"
        .chars()
        .cycle()
        .take(size)
        .collect();
    let tool_use = serde_json::json!({
        "parentUuid": "6c0b4c8f-1da6-432e-af2f-66d0fa9670c1", "isSidechain": false,
        "message": {"id": format!("msg_big{n}"), "type": "message", "role": "assistant",
            "model": "claude-opus-5-5",
            "content": [{"type": "tool_use", "id": format!("toolu_big{n}"), "name": "Write",
                "input": {"file_path": "/home/dev/proj/big.rs", "content": content}}],
            "stop_reason": "tool_use", "stop_sequence": null},
        "apiBlockIndex": 0, "type": "assistant", "uuid": "a56f3be3-4499-40a4-a586-98adad3574f0",
        "timestamp": "2026-11-21T06:32:27.052Z", "sessionId": "fafca5bf", "version": "2.1.328"});
    let result = serde_json::json!({
        "parentUuid": "a56f3be3-4499-40a4-a586-98adad3574f0", "isSidechain": false,
        "promptId": "cca9597a", "type": "user",
        "message": {"role": "user", "content": [{"tool_use_id": format!("toolu_big{n}"),
            "type": "tool_result", "content": "File created successfully", "is_error": false}]},
        "uuid": "89df6e46-e2e4-41cb-b95d-9d397032c644", "timestamp": "2026-11-21T06:32:26.494Z",
        "toolUseResult": {"type": "create", "filePath": "/home/dev/proj/big.rs",
            "content": content}, "sessionId": "fafca5bf", "version": "2.1.328"});
    format!("{tool_use}\n{result}\n").into_bytes()
}

/// Writes a transcript of about `size` bytes to `path` and returns its exact length.
///
/// It repeats a real turn (171 KB of prompt, attachments, `api-request*` records, two tool
/// rounds and a two-block final reply) with a Write of up to 2 MB in the middle, so most bytes
/// sit in multi-MB lines, and ends with a small real turn whose tool call fails.
pub fn write_transcript(path: &Path, size: u64) -> io::Result<u64> {
    let (head, tail) = (real_lines(1, 22), real_lines(23, 41));
    let last_turn = real_lines(42, 51);
    let big = usize::try_from(size / 8).unwrap_or(usize::MAX).min(2 << 20);
    let mut out = BufWriter::new(File::create(path)?);
    let mut written = 0u64;
    for n in 0.. {
        let round = big_tool_round(n, big);
        for part in [&head[..], &round, &tail] {
            out.write_all(part)?;
            written += part.len() as u64;
        }
        if written + last_turn.len() as u64 >= size {
            break;
        }
    }
    out.write_all(&last_turn)?;
    out.flush()?;
    Ok(written + last_turn.len() as u64)
}
