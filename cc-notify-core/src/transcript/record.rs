//! The parts of one transcript JSONL record the scanners read, and the byte checks that decide
//! whether a line is worth parsing at all.

use std::fmt;

use memchr::memmem::Finder;
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};

use crate::agent::claude::TASK_NOTIFICATION_PREFIX;

/// The text Claude Code writes as a user record when Esc interrupts a turn.
const INTERRUPT_PREFIX: &str = "[Request interrupted by user";

/// Cheap byte checks run before serde: the needles can only occur unescaped at the JSON
/// structure level (inside strings their quotes are escaped), so a line without them cannot be
/// the record we look for.
pub(crate) struct Filter {
    user: Finder<'static>,
    assistant: Finder<'static>,
    text_block: Finder<'static>,
}

/// What the first key of a line says about its `type`, when the first key is `type`.
fn leading_type(line: &[u8]) -> Option<&[u8]> {
    let rest = line.strip_prefix(br#"{"type":""#)?;
    let end = memchr::memchr(b'"', rest)?;
    Some(&rest[..end])
}

impl Filter {
    pub(crate) fn new() -> Self {
        Self {
            user: Finder::new(br#""type":"user""#),
            assistant: Finder::new(br#""type":"assistant""#),
            text_block: Finder::new(br#""type":"text""#),
        }
    }

    /// The line may be a user or assistant record (tail lookup).
    pub(crate) fn maybe_conversation(&self, line: &[u8]) -> bool {
        match leading_type(line) {
            Some(t) => t == b"user" || t == b"assistant",
            None => self.user.find(line).is_some() || self.assistant.find(line).is_some(),
        }
    }

    /// The line may be an assistant record holding a text block (incremental scan).
    pub(crate) fn maybe_assistant_text(&self, line: &[u8]) -> bool {
        let assistant = match leading_type(line) {
            Some(t) => t == b"assistant",
            None => self.assistant.find(line).is_some(),
        };
        assistant && self.text_block.find(line).is_some()
    }
}

/// One transcript record, reduced to what the scanners read; every other field is skipped.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Record {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub is_sidechain: Option<bool>,
    pub is_meta: Option<bool>,
    pub is_compact_summary: Option<bool>,
    pub is_api_error_message: Option<bool>,
    pub api_error_status: Option<serde_json::Value>,
    pub prompt_source: Option<String>,
    pub message: Option<Message>,
}

/// The `message` of a user or assistant record.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Message {
    pub id: Option<String>,
    pub model: Option<String>,
    pub stop_reason: Option<String>,
    pub content: Content,
}

/// `message.content`: a plain string (a prompt) or content blocks.
#[derive(Default)]
pub(crate) enum Content {
    #[default]
    None,
    Text(String),
    Blocks(Vec<Block>),
}

/// One content block; `input`, `content`, `thinking` and the rest are skipped unread.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Block {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub text: Option<String>,
    pub is_error: Option<bool>,
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Content;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of content blocks")
            }
            fn visit_str<E>(self, s: &str) -> Result<Content, E> {
                Ok(Content::Text(s.to_owned()))
            }
            fn visit_string<E>(self, s: String) -> Result<Content, E> {
                Ok(Content::Text(s))
            }
            fn visit_unit<E>(self) -> Result<Content, E> {
                Ok(Content::None)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Content, A::Error> {
                let mut blocks = Vec::new();
                while let Some(b) = seq.next_element()? {
                    blocks.push(b);
                }
                Ok(Content::Blocks(blocks))
            }
        }
        d.deserialize_any(V)
    }
}

impl Record {
    /// Parses a line; `None` for malformed lines, which the scanners skip.
    pub(crate) fn parse(line: &[u8]) -> Option<Self> {
        serde_json::from_slice(line).ok()
    }

    fn is(&self, kind: &str) -> bool {
        self.kind.as_deref() == Some(kind)
    }

    /// A user record of the main conversation (not a subagent's sidechain).
    pub(crate) fn is_main_user(&self) -> bool {
        self.is("user") && self.is_sidechain != Some(true)
    }

    /// An assistant record of the main conversation.
    pub(crate) fn is_main_assistant(&self) -> bool {
        self.is("assistant") && self.is_sidechain != Some(true)
    }

    /// An assistant record Claude Code made up itself (an API error, a canned reply).
    pub(crate) fn is_synthetic(&self) -> bool {
        self.is_api_error_message == Some(true)
            || self
                .message
                .as_ref()
                .is_some_and(|m| m.model.as_deref() == Some("<synthetic>"))
    }

    /// The record is a prompt a person (or an SDK caller) sent, which opens a turn.
    ///
    /// `promptSource` `typed` (TUI) or `sdk` (`-p`) decides when present; any other source
    /// (`system`: a `<task-notification>`) continues the current turn. Without `promptSource`
    /// (older versions) a string-content record counts unless it is meta, a compaction summary,
    /// a task notification, or slash-command bookkeeping (`<command-…>`, `<local-command-…>`).
    pub(crate) fn is_prompt(&self) -> bool {
        let Some(Content::Text(text)) = self.message.as_ref().map(|m| &m.content) else {
            return false;
        };
        match self.prompt_source.as_deref() {
            Some(source) => source == "typed" || source == "sdk",
            None => {
                self.is_meta != Some(true)
                    && self.is_compact_summary != Some(true)
                    && !text.starts_with(TASK_NOTIFICATION_PREFIX)
                    && !text.starts_with("<command-")
                    && !text.starts_with("<local-command-")
            }
        }
    }

    /// The record is the `[Request interrupted by user…]` marker.
    pub(crate) fn is_interrupt(&self) -> bool {
        match self.message.as_ref().map(|m| &m.content) {
            Some(Content::Text(t)) => t.starts_with(INTERRUPT_PREFIX),
            Some(Content::Blocks(blocks)) => blocks.iter().any(|b| {
                b.kind.as_deref() == Some("text")
                    && b.text
                        .as_deref()
                        .is_some_and(|t| t.starts_with(INTERRUPT_PREFIX))
            }),
            _ => false,
        }
    }

    /// The content blocks, empty for a string or missing content.
    pub(crate) fn blocks(&self) -> &[Block] {
        match self.message.as_ref().map(|m| &m.content) {
            Some(Content::Blocks(b)) => b,
            _ => &[],
        }
    }

    /// The `text` blocks joined with a blank line; `None` when there are none.
    pub(crate) fn text(&self) -> Option<String> {
        let mut texts = self
            .blocks()
            .iter()
            .filter(|b| b.kind.as_deref() == Some("text"))
            .filter_map(|b| b.text.as_deref());
        let first = texts.next()?;
        Some(texts.fold(first.to_owned(), |mut acc, t| {
            acc.push_str("\n\n");
            acc.push_str(t);
            acc
        }))
    }

    /// `message.id`.
    pub(crate) fn message_id(&self) -> Option<&str> {
        self.message.as_ref()?.id.as_deref()
    }

    /// `message.stop_reason` is `end_turn`.
    pub(crate) fn ends_turn(&self) -> bool {
        self.message
            .as_ref()
            .is_some_and(|m| m.stop_reason.as_deref() == Some("end_turn"))
    }

    /// The tool results in this record, in order: `true` for a failed one.
    pub(crate) fn tool_results(&self) -> impl DoubleEndedIterator<Item = bool> + '_ {
        self.blocks()
            .iter()
            .filter(|b| b.kind.as_deref() == Some("tool_result"))
            .map(|b| b.is_error == Some(true))
    }
}
