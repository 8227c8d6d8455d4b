//! The backward scan: from the end of the transcript back to the prompt that opened the last turn.

use memchr::memrchr;

use super::record::{Filter, Record};
use super::{Source, TranscriptError};

/// The first read from the end; later reads double while a line does not fit.
const BLOCK: usize = 64 << 10;

/// What the last turn of a transcript came to.
///
/// The turn starts at the last prompt a person typed (or an SDK caller sent). A
/// `<task-notification>` prompt that Claude Code injects when a background task finishes does
/// **not** start a turn: it continues the one whose Stop said tasks were still running, so the
/// scan goes on past it to the human prompt, and the failed tool results of both parts count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnTail {
    /// Byte offset of the prompt line that opened the turn; `None` when no prompt was found
    /// (the file has none, or it lies more than [`MAX_SCAN_BACK`](super::MAX_SCAN_BACK) back),
    /// in which case the other fields describe only what was read.
    pub prompt_offset: Option<u64>,
    /// The last reply that ended the turn (`stop_reason:"end_turn"`): the text blocks of its
    /// records, which share one `message.id`, joined with a blank line.
    pub final_reply: Option<String>,
    /// The turn's last assistant record is a synthetic API error.
    pub api_error: Option<ApiError>,
    /// Tool results with `is_error:true` in the turn (failed commands, validation errors,
    /// rejected permissions).
    pub failed_tools: u32,
    /// The turn's last tool result failed.
    pub last_tool_failed: bool,
    /// The turn's last conversation record is `[Request interrupted by user…]` (Esc).
    pub interrupted: bool,
}

/// A turn that ended on an API error (`isApiErrorMessage:true`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The error text shown to the user, e.g. `API Error: 400 …`.
    pub text: String,
    /// `apiErrorStatus`, the HTTP status, when it is a number.
    pub status: Option<u16>,
}

/// Accumulates records seen newest first.
#[derive(Default)]
struct Builder {
    tail: TurnTail,
    seen_conversation: bool,
    seen_assistant: bool,
    seen_tool_result: bool,
    reply_id: Option<String>,
    /// The reply's per-record texts, newest first.
    reply: Vec<String>,
    reply_done: bool,
    /// Stop once the final reply is complete.
    reply_only: bool,
}

impl Builder {
    /// Takes the next older record; `true` once the turn's prompt is reached.
    fn push(&mut self, rec: Record, offset: u64) -> bool {
        if rec.is_main_assistant() {
            self.assistant(rec);
            if self.reply_only && self.reply_done {
                return true;
            }
        } else if rec.is_main_user() {
            if self.reply_only && self.reply_id.is_some() {
                return true;
            }
            if rec.is_prompt() {
                self.tail.prompt_offset = Some(offset);
                return true;
            }
            if !self.seen_conversation && rec.is_interrupt() {
                self.tail.interrupted = true;
            }
            for failed in rec.tool_results().rev() {
                if !self.seen_tool_result {
                    self.seen_tool_result = true;
                    self.tail.last_tool_failed = failed;
                }
                self.tail.failed_tools += u32::from(failed);
            }
        } else {
            return false;
        }
        self.seen_conversation = true;
        false
    }

    fn assistant(&mut self, rec: Record) {
        if !std::mem::replace(&mut self.seen_assistant, true)
            && rec.is_api_error_message == Some(true)
        {
            self.tail.api_error = Some(ApiError {
                text: rec.text().unwrap_or_default(),
                status: rec
                    .api_error_status
                    .as_ref()
                    .and_then(|s| s.as_u64())
                    .and_then(|s| u16::try_from(s).ok()),
            });
        }
        if self.reply_done {
            return;
        }
        let id = rec.message_id().filter(|_| !rec.is_synthetic());
        match (&self.reply_id, id) {
            (Some(reply), Some(id)) if reply == id => {}
            (Some(_), _) => {
                self.reply_done = true;
                return;
            }
            (None, Some(id)) if rec.ends_turn() => self.reply_id = Some(id.to_owned()),
            (None, _) => return,
        }
        self.reply.extend(rec.text());
    }

    fn finish(mut self) -> TurnTail {
        if !self.reply.is_empty() {
            self.reply.reverse();
            self.tail.final_reply = Some(self.reply.join("\n\n"));
        }
        self.tail
    }
}

/// Reads lines from the end of `src` until the turn's prompt (with `reply_only`, until the
/// final reply is complete), or `max_back` bytes.
pub(super) fn last_turn<S: Source>(
    src: &S,
    max_back: u64,
    reply_only: bool,
) -> Result<TurnTail, TranscriptError> {
    let len = src.len();
    let floor = len.saturating_sub(max_back);
    let filter = Filter::new();
    let mut builder = Builder {
        reply_only,
        ..Builder::default()
    };
    // `buf` holds the unread part's end: bytes `buf_off..buf_off + buf.len()` of the file.
    let mut buf: Vec<u8> = Vec::new();
    let mut buf_off = len;
    while buf_off + buf.len() as u64 > 0 {
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let start = match memrchr(b'\n', body) {
            Some(nl) => nl + 1,
            None if buf_off == 0 => 0,
            None if buf_off == floor => break,
            None => {
                let end = buf_off + buf.len() as u64;
                let want = BLOCK.max(buf.len().saturating_mul(2)) as u64;
                buf_off = end.saturating_sub(want).max(floor);
                buf.resize(usize::try_from(end - buf_off).unwrap_or(usize::MAX), 0);
                src.read_at(&mut buf, buf_off)?;
                continue;
            }
        };
        let line = &body[start..];
        if filter.maybe_conversation(line)
            && let Some(rec) = Record::parse(line)
            && builder.push(rec, buf_off + start as u64)
        {
            break;
        }
        buf.truncate(start);
    }
    Ok(builder.finish())
}
