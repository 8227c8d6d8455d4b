//! Agent adapters: each coding agent's payload decoded onto the agent-neutral
//! [`Event`](crate::event::Event).
//!
//! An adapter is a module here with a `parse(&[u8]) -> Result<Event, ParseError>` that maps
//! everything the agent reports onto [`EventKind`](crate::event::EventKind)s (an event it
//! does not know becomes [`EventKind::Unknown`](crate::event::EventKind::Unknown), never an
//! error), and, when its payloads can be large, a bounded reader built on [`input::read_input`].
//! Nothing outside the adapter knows the agent's wire format.

pub mod claude;
pub mod codex;
pub mod copilot;
pub mod gemini;
pub mod input;
mod json;
pub mod opencode;
pub mod qwen;
pub mod select;

/// Why an agent's payload could not be read as an event.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The input is not JSON, or a known field has the wrong type.
    #[error("hook input is not a valid event: {0}")]
    Json(#[from] serde_json::Error),
    /// A field every event carries is missing.
    #[error("hook input has no `{0}`")]
    Missing(&'static str),
    /// The input is JSON but not an object.
    #[error("hook input is not a JSON object")]
    NotAnObject,
}
