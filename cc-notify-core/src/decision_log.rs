//! The decision log: one JSON line per decision in `<state dir>/log.jsonl`.
//!
//! Appends are a single `write` on a file opened `O_APPEND | O_NOFOLLOW` (0600), so concurrent
//! writers never interleave lines; a line is capped at [`MAX_LINE`] bytes (the reason is cut).
//! When the log grows past [`ROTATE_AT`] bytes it is renamed to `log.1.jsonl` (replacing the
//! previous one) under the lock file `log.lock`, so two writers never rotate twice in a row.
//! [`read_last`] reads from the end and includes the rotated file when needed.
//!
//! **The log records what callers give it.** Callers must never pass tokens, keys or message
//! text that may hold secrets; pass reasons and identifiers only.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::decision::DecisionKind;
use crate::event::Agent;
use crate::notification::Kind;
use crate::store::{StateDir, StoreError, lock_file, nofollow};
use crate::text::truncate_chars;

/// The log file's name in the state directory.
pub const LOG_FILE: &str = "log.jsonl";
/// The rotated log's name.
pub const OLD_LOG_FILE: &str = "log.1.jsonl";
/// The log is rotated once it is larger than this many bytes.
pub const ROTATE_AT: u64 = 1024 * 1024;
/// The longest line written, in bytes (including the newline).
pub const MAX_LINE: usize = 2048;

/// One decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    /// When, in Unix milliseconds.
    pub ts_ms: u64,
    /// The session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The agent whose event led to the decision (older records have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
    /// The hook event name that led to the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// What was decided.
    pub decision: DecisionKind,
    /// The push's kind, when a push was involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    /// The push's id, when a push was involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_id: Option<u64>,
    /// Why, in words (no secrets).
    pub reason: String,
    /// The wait before the push, when one was scheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// The delivery service's request id, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl LogRecord {
    /// A record with the required fields; set the optional ones directly.
    pub fn new(ts_ms: u64, decision: DecisionKind, reason: impl Into<String>) -> Self {
        LogRecord {
            ts_ms,
            session: None,
            agent: None,
            event: None,
            decision,
            kind: None,
            push_id: None,
            reason: reason.into(),
            delay_ms: None,
            request_id: None,
        }
    }

    /// The record as one line, newline included, at most [`MAX_LINE`] bytes.
    fn to_line(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut rec = self.clone();
        for field in [&mut rec.session, &mut rec.event, &mut rec.request_id]
            .into_iter()
            .flatten()
        {
            *field = truncate_chars(field, 128).into_owned();
        }
        let mut line = serde_json::to_vec(&rec)?;
        // Cut the reason until the line fits; every other field is bounded above.
        let mut max_chars = rec.reason.chars().count();
        while line.len() >= MAX_LINE && max_chars > 0 {
            max_chars = max_chars.saturating_sub((line.len() + 1 - MAX_LINE).max(16));
            rec.reason = truncate_chars(&self.reason, max_chars).into_owned();
            line = serde_json::to_vec(&rec)?;
        }
        line.push(b'\n');
        Ok(line)
    }
}

/// Appends one record to the log, rotating it first when it is too large.
pub fn append(dir: &StateDir, record: &LogRecord) -> Result<(), StoreError> {
    let path = dir.path().join(LOG_FILE);
    let line = record.to_line().map_err(|source| StoreError::Encode {
        path: path.clone(),
        source,
    })?;
    let open = || {
        nofollow()
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| StoreError::io(&path, e))
    };
    let mut file = open()?;
    let size = file.metadata().map_err(|e| StoreError::io(&path, e))?.len();
    if size > ROTATE_AT {
        rotate(dir)?;
        file = open()?;
    }
    // One write: O_APPEND makes it land whole at the end, never inside another line.
    file.write_all(&line).map_err(|e| StoreError::io(&path, e))
}

/// Renames the log to the old log under `log.lock`, unless another writer just did.
fn rotate(dir: &StateDir) -> Result<(), StoreError> {
    let _lock = lock_file(&dir.path().join("log.lock"))?;
    let path = dir.path().join(LOG_FILE);
    match fs::symlink_metadata(&path) {
        Ok(meta) if meta.len() > ROTATE_AT => {
            fs::rename(&path, dir.path().join(OLD_LOG_FILE)).map_err(|e| StoreError::io(&path, e))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::io(&path, e)),
    }
}

/// The last `n` well-formed records, oldest first, from the log and (when it holds fewer) the
/// rotated log. Malformed lines (a torn write, a foreign edit) are skipped.
pub fn read_last(dir: &StateDir, n: usize) -> Result<Vec<LogRecord>, StoreError> {
    let mut out = Vec::new();
    for name in [LOG_FILE, OLD_LOG_FILE] {
        if out.len() >= n {
            break;
        }
        let path = dir.path().join(name);
        let mut lines = match RevLines::open(&path) {
            Ok(lines) => lines,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        while out.len() < n {
            match lines.next_line().map_err(|e| StoreError::io(&path, e))? {
                Some(line) => out.extend(serde_json::from_slice::<LogRecord>(&line).ok()),
                None => break,
            }
        }
    }
    out.reverse();
    Ok(out)
}

/// Lines of a file from the last to the first, read in blocks from the end.
struct RevLines {
    file: File,
    /// File offset of `buf[0]`.
    pos: u64,
    /// Bytes from `pos` not yet returned.
    buf: Vec<u8>,
}

impl RevLines {
    const BLOCK: u64 = 64 * 1024;

    fn open(path: &Path) -> io::Result<RevLines> {
        let file = nofollow().read(true).open(path)?;
        let pos = file.metadata()?.len();
        Ok(RevLines {
            file,
            pos,
            buf: Vec::new(),
        })
    }

    fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            while self.buf.last() == Some(&b'\n') {
                self.buf.pop();
            }
            if let Some(nl) = memchr::memrchr(b'\n', &self.buf) {
                let line = self.buf.split_off(nl + 1);
                return Ok(Some(line));
            }
            if self.pos == 0 {
                return Ok((!self.buf.is_empty()).then(|| std::mem::take(&mut self.buf)));
            }
            let step = self.pos.min(Self::BLOCK);
            self.pos -= step;
            let mut block = vec![0; usize::try_from(step).unwrap_or(0)];
            self.file.seek(SeekFrom::Start(self.pos))?;
            self.file.read_exact(&mut block)?;
            block.append(&mut self.buf);
            self.buf = block;
        }
    }
}
