//! Fuzz bodies, shared by the cargo-fuzz targets in `fuzz/` and by the corpus test that runs them
//! on stable. Each panics when an invariant breaks; none touches the file system.

use crate::agent::claude;
use crate::transcript::{Scan, last_reply_in, last_turn_in, scan_bytes};

/// Parses `data` as a hook event: never panics; reading it in bounded memory
/// ([`claude::read_document`], in two chunk sizes) never panics and parses to the same event
/// whenever the whole document parses; an accepted event names the `hook_event_name` and
/// `session_id` of the document.
///
/// serde_json checks neither UTF-8 nor surrogate escapes inside strings it skips, so the parser
/// accepts documents that a full parse rejects; those are only checked for not panicking.
pub fn hook_event(data: &[u8]) {
    let whole = claude::parse(data);
    for chunk in [1, 7] {
        let kept = claude::read_document(Trickle { data, chunk });
        let Ok(kept) = kept else {
            unreachable!("reading from memory cannot fail");
        };
        if let Ok(event) = &whole {
            assert_eq!(claude::parse(&kept).as_ref().ok(), Some(event));
        }
    }
    let Ok(event) = whole else {
        return;
    };
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    assert_eq!(doc["hook_event_name"].as_str(), Some(event.name()));
    assert_eq!(doc["session_id"].as_str(), Some(event.session_id.as_str()));
}

/// Runs the tail lookup and the incremental scan over `data` as a transcript.
///
/// Checks: offsets are line starts, never go backwards and never pass the end; scanning a
/// growing file in pieces (resuming at `next_offset`) yields exactly what one scan of the whole
/// file does; [`last_reply_in`] finds the reply and API error [`last_turn_in`] finds.
pub fn transcript(data: &[u8]) {
    let line_start = |off: u64| off == 0 || data.get(off as usize - 1) == Some(&b'\n');
    let len = data.len() as u64;

    if let Ok(tail) = last_turn_in(data) {
        if let Some(p) = tail.prompt_offset {
            assert!(
                p < len && line_start(p),
                "prompt offset {p} is not a line start"
            );
        }
        assert!(!tail.last_tool_failed || tail.failed_tools > 0);
        // Reading back only to the reply finds the same reply and API error.
        let reply = last_reply_in(data).expect("reads where last_turn_in read");
        assert_eq!(
            (reply.final_reply, reply.api_error),
            (tail.final_reply, tail.api_error)
        );
    }

    let whole = checked_scan(data, 0);
    let mut pieces = Vec::new();
    let mut offset = 0;
    for cut in [len / 3, len / 2, len - len / 5, len] {
        let scan = checked_scan(&data[..cut as usize], offset);
        offset = scan.next_offset;
        pieces.extend(scan.messages);
    }
    assert_eq!(
        pieces, whole.messages,
        "scan in pieces differs from one scan"
    );
    assert_eq!(offset, whole.next_offset);
    assert!(line_start(offset));

    for from in [1, len / 2, len.saturating_sub(1)] {
        checked_scan(data, from.min(len));
    }
}

/// Scans `data` from `offset`, which must succeed, and checks the offsets it reports.
fn checked_scan(data: &[u8], offset: u64) -> Scan {
    let scan = scan_bytes(data, offset).unwrap_or_else(|e| panic!("scan from {offset}: {e}"));
    let len = data.len() as u64;
    assert!(
        (offset..=len).contains(&scan.next_offset),
        "next_offset {} outside {offset}..={len}",
        scan.next_offset
    );
    let mut prev = None;
    for m in &scan.messages {
        assert!(m.offset >= offset && m.offset < scan.next_offset);
        assert!(prev < Some(m.offset), "messages out of order");
        prev = Some(m.offset);
    }
    scan
}

/// Hands out `data` at most `chunk` bytes per read, like a pipe.
struct Trickle<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}
