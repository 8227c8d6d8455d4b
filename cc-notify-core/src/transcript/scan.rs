//! The forward scan: assistant text messages written after a byte offset.

use memchr::memchr_iter;

use super::record::{Filter, Record};
use super::{Source, TranscriptError};

/// The read size; the buffer doubles while a line does not fit, up to
/// [`MAX_LINE`](super::MAX_LINE).
const BLOCK: usize = 1 << 20;

/// What [`scan_from`](super::scan_from) found after an offset.
///
/// One API message is written as one record per content block (same `message.id`,
/// `apiBlockIndex` 0, 1, …), a few milliseconds apart. So that a message is reported **once and
/// whole**, the last message is held back while nothing follows it: it is not reported, and
/// [`next_offset`](Self::next_offset) points at its first record, so the next scan reads it
/// again with whatever was appended. Any other complete line after it (its own tool_use
/// record, a tool result, a `system` record, bookkeeping) releases it. Chaining scans through
/// `next_offset` over a growing file therefore yields the same messages as one scan of the
/// final file. (Only if the records of one message were interleaved with other lines would its
/// id show up in two messages.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// The messages, in file order.
    pub messages: Vec<AssistantText>,
    /// Where to resume: after the last line consumed, never inside a line, never before the
    /// offset scanned from. A half-written last line (no trailing `\n`) and a held-back message
    /// lie after it.
    pub next_offset: u64,
}

/// One assistant message's text: its `text` blocks joined with a blank line.
///
/// Sidechain (subagent) records, synthetic records (API errors, `model:"<synthetic>"`),
/// thinking and tool_use blocks are left out; a message without text is not reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistantText {
    /// `message.id`.
    pub id: String,
    /// The text.
    pub text: String,
    /// The message ended the turn (`stop_reason:"end_turn"`).
    pub end_turn: bool,
    /// Byte offset of the message's first record.
    pub offset: u64,
}

/// Collects text records into messages, line by line.
struct Collector {
    filter: Filter,
    messages: Vec<AssistantText>,
    open: Option<AssistantText>,
}

impl Collector {
    fn line(&mut self, line: &[u8], offset: u64) {
        let rec = Some(line)
            .filter(|l| self.filter.maybe_assistant_text(l))
            .and_then(Record::parse)
            .filter(|r| r.is_main_assistant() && !r.is_synthetic());
        let Some((rec, id, text)) = rec.and_then(|r| {
            let id = r.message_id()?.to_owned();
            let text = r.text()?;
            Some((r, id, text))
        }) else {
            self.close();
            return;
        };
        match &mut self.open {
            Some(open) if open.id == id => {
                open.text.push_str("\n\n");
                open.text.push_str(&text);
                open.end_turn |= rec.ends_turn();
            }
            _ => {
                self.close();
                self.open = Some(AssistantText {
                    id,
                    text,
                    end_turn: rec.ends_turn(),
                    offset,
                });
            }
        }
    }

    fn close(&mut self) {
        self.messages.extend(self.open.take());
    }
}

/// Reads the complete lines of `src` after `offset`; lines longer than `max_line` are skipped.
pub(super) fn scan<S: Source>(
    src: &S,
    offset: u64,
    max_line: usize,
) -> Result<Scan, TranscriptError> {
    let len = src.len();
    if offset > len {
        return Err(TranscriptError::OffsetPastEnd { offset, len });
    }
    let mut c = Collector {
        filter: Filter::new(),
        messages: Vec::new(),
        open: None,
    };
    // `buf[..filled]` holds file bytes from `buf_start` on: a partial line, then new data.
    let first = usize::try_from(len - offset).unwrap_or(BLOCK);
    let mut buf = vec![0; BLOCK.min(max_line).min(first).max(1)];
    let mut filled = 0;
    let mut buf_start = offset;
    let mut consumed = offset;
    let mut skipping = false;
    let mut pos = offset;
    while pos < len {
        if filled == buf.len() {
            if buf.len() < max_line {
                buf.resize(buf.len().saturating_mul(2).min(max_line), 0);
            } else {
                // A line longer than max_line: drop what we hold and skip to its end.
                skipping = true;
                buf_start += filled as u64;
                filled = 0;
            }
        }
        let n = (buf.len() - filled).min(usize::try_from(len - pos).unwrap_or(usize::MAX));
        src.read_at(&mut buf[filled..filled + n], pos)?;
        pos += n as u64;
        let mut start = 0;
        for nl in memchr_iter(b'\n', &buf[filled..filled + n]) {
            let nl = filled + nl;
            if std::mem::take(&mut skipping) {
                c.close();
            } else {
                c.line(&buf[start..nl], buf_start + start as u64);
            }
            start = nl + 1;
            consumed = buf_start + start as u64;
        }
        filled += n;
        buf.copy_within(start..filled, 0);
        filled -= start;
        buf_start += start as u64;
    }
    Ok(Scan {
        next_offset: c.open.as_ref().map_or(consumed, |m| m.offset),
        messages: c.messages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(id: &str, text: &str) -> String {
        format!(
            "{{\"type\":\"assistant\",\"message\":{{\"id\":\"{id}\",\"content\":[{{\"type\":\"text\",\"text\":\"{text}\"}}]}}}}\n"
        )
    }

    #[test]
    fn lines_longer_than_the_limit_are_skipped_and_never_split() {
        let long = text("m2", &"x".repeat(1000));
        let data = text("m1", "a") + &long + &text("m3", "b") + "{}\n";
        let found = scan(&data.as_bytes(), 0, 256).unwrap();
        let texts: Vec<_> = found.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["a", "b"]);
        assert_eq!(found.next_offset, data.len() as u64);

        // A long line still being written is not consumed.
        let head = text("m1", "a");
        let data = head.clone() + "{}\n" + &long[..long.len() - 1];
        let found = scan(&data.as_bytes(), 0, 256).unwrap();
        assert_eq!(found.next_offset, head.len() as u64 + 3);
    }
}
