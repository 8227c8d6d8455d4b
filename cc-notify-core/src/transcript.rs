//! Reading a Claude Code transcript (JSONL, one record per line, append-only).
//!
//! Two questions are answered without reading the whole file:
//!
//! * [`last_turn`] — for a Stop hook of a turn whose start cc-notify missed — reads
//!   **backwards from the end** in blocks until it reaches the prompt that opened the last turn,
//!   and reports the final reply, an API error, and failed tool calls ([`TurnTail`]). Its cost
//!   depends on the size of the last turn, not of the file, and it gives up after
//!   [`MAX_SCAN_BACK`] bytes. [`last_reply`] — the hot path — stops once the final reply is read.
//! * [`scan_from`] reads **forwards from a byte offset** and returns the assistant text messages
//!   written since, with the offset to resume from ([`Scan`]), for progress pushes.
//!
//! Both skip everything that is not part of the main conversation: bookkeeping records
//! (`attachment`, `system`, `api-request*`, `cost-state`, …), subagent sidechains
//! (`isSidechain:true`), thinking and tool_use blocks, and malformed lines. Lines are checked
//! with cheap byte searches before any JSON parsing (`"type":"assistant"`, `"type":"text"`, …,
//! as Claude Code writes them: compact JSON, no spaces), and lines of any length are handled
//! (a line is held in memory at most once, up to [`MAX_LINE`]).
//!
//! Files are opened with `O_NONBLOCK | O_NOFOLLOW` and refused unless they are regular files,
//! so a FIFO, device, directory or symlink planted at the transcript path can neither block nor
//! redirect the reader. [`last_turn_in`] and [`scan_bytes`] run the same code over a byte slice.

mod record;
mod scan;
mod tail;

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

pub use scan::{AssistantText, Scan};
pub use tail::{ApiError, TurnTail};

/// How far [`last_turn`] reads back from the end before giving up on finding the prompt.
pub const MAX_SCAN_BACK: u64 = 64 << 20;

/// The longest line [`scan_from`] holds in memory; longer lines are skipped unparsed.
pub const MAX_LINE: usize = 64 << 20;

/// Why a transcript could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TranscriptError {
    /// The path does not exist or cannot be opened.
    #[error("cannot open transcript {path}: {source}")]
    Open {
        /// The transcript path.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The path is a FIFO, device, directory, socket or symlink.
    #[error("transcript {path} is not a regular file but a {kind}")]
    NotRegularFile {
        /// The transcript path.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// Reading failed.
    #[error("reading the transcript failed: {0}")]
    Io(#[from] io::Error),
    /// The file shrank while being read (truncated or rewritten).
    #[error("the transcript shrank while being read")]
    Truncated,
    /// The resume offset lies past the end: the file was truncated or replaced since.
    #[error("offset {offset} is past the end of the transcript ({len} bytes)")]
    OffsetPastEnd {
        /// The offset asked for.
        offset: u64,
        /// The file's length.
        len: u64,
    },
}

impl TranscriptError {
    /// Retrying will not help: the path is not a readable transcript, or the offset is stale
    /// (start again from 0 or from [`TurnTail::prompt_offset`]).
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            Self::NotRegularFile { .. } | Self::OffsetPastEnd { .. }
        ) || matches!(self, Self::Open { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }
}

/// Reads the last turn of the transcript at `path` (see [`TurnTail`]).
///
/// ```no_run
/// let tail = cc_notify_core::transcript::last_turn("session.jsonl".as_ref())?;
/// if let Some(reply) = tail.final_reply { println!("{reply}"); }
/// # Ok::<(), cc_notify_core::transcript::TranscriptError>(())
/// ```
pub fn last_turn(path: &Path) -> Result<TurnTail, TranscriptError> {
    let (file, len) = open_regular(path)?;
    tail::last_turn(&FileSource { file, len }, MAX_SCAN_BACK, false)
}

/// [`last_turn`] over a transcript held in memory.
pub fn last_turn_in(data: &[u8]) -> Result<TurnTail, TranscriptError> {
    tail::last_turn(&data, MAX_SCAN_BACK, false)
}

/// Reads back from the end of the transcript at `path` only until the turn's final reply is
/// complete, for a caller that knows the turn's tool calls already: the reply (and an API error
/// that came after it) as [`last_turn`] gives them, at the cost of the reply's size rather than
/// the turn's. The tool failures and the prompt offset cover only what was read. Without a
/// final reply it reads as far as [`last_turn`].
pub fn last_reply(path: &Path) -> Result<TurnTail, TranscriptError> {
    let (file, len) = open_regular(path)?;
    tail::last_turn(&FileSource { file, len }, MAX_SCAN_BACK, true)
}

/// [`last_reply`] over a transcript held in memory.
pub fn last_reply_in(data: &[u8]) -> Result<TurnTail, TranscriptError> {
    tail::last_turn(&data, MAX_SCAN_BACK, true)
}

/// The assistant text messages written to the transcript at `path` after byte `offset`
/// (see [`Scan`]); pass [`Scan::next_offset`] next time.
pub fn scan_from(path: &Path, offset: u64) -> Result<Scan, TranscriptError> {
    let (file, len) = open_regular(path)?;
    scan::scan(&FileSource { file, len }, offset, MAX_LINE)
}

/// [`scan_from`] over a transcript held in memory.
pub fn scan_bytes(data: &[u8], offset: u64) -> Result<Scan, TranscriptError> {
    scan::scan(&data, offset, MAX_LINE)
}

/// Random access to the transcript bytes, so one scanner serves files and byte slices.
trait Source {
    /// The length fixed when the scan starts; bytes appended later are left for the next scan.
    fn len(&self) -> u64;
    /// Fills `buf` from `offset`; [`TranscriptError::Truncated`] if the data ends first.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), TranscriptError>;
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), TranscriptError> {
        let src = usize::try_from(offset)
            .ok()
            .and_then(|start| self.get(start..start.checked_add(buf.len())?))
            .ok_or(TranscriptError::Truncated)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

struct FileSource {
    file: File,
    len: u64,
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<(), TranscriptError> {
        let mut file = &self.file;
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(buf).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => TranscriptError::Truncated,
            _ => TranscriptError::Io(e),
        })
    }
}

/// Opens `path` for reading without following a final symlink and without blocking on a FIFO,
/// and returns it with its length if it is a regular file.
fn open_regular(path: &Path) -> Result<(File, u64), TranscriptError> {
    let refuse = |kind| TranscriptError::NotRegularFile {
        path: path.to_owned(),
        kind,
    };
    let file = open_nonblocking(path).map_err(|source| {
        // O_NOFOLLOW on a symlink fails with ELOOP.
        if path
            .symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
        {
            refuse("symlink")
        } else {
            TranscriptError::Open {
                path: path.to_owned(),
                source,
            }
        }
    })?;
    let meta = file.metadata()?;
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok((file, meta.len()));
    }
    Err(refuse(if ft.is_dir() {
        "directory"
    } else if ft.is_symlink() {
        "symlink"
    } else {
        special_kind(&ft)
    }))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    Ok(File::from(rustix::fs::open(path, flags, Mode::empty())?))
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    if path.symlink_metadata()?.file_type().is_symlink() {
        return Err(io::Error::other("symlink"));
    }
    File::open(path)
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "FIFO"
    } else if ft.is_char_device() || ft.is_block_device() {
        "device"
    } else if ft.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "special file"
}
