//! The turn-state machine: one [`Event`](crate::event::Event) and the session's state in, the
//! new state and the [`Action`]s to carry out. It knows no agent: adapters in
//! [`agent`](crate::agent) map each agent's payloads onto the events it reads.
//!
//! [`step`] is pure: the clock, the opt-out marker files, whether a terminal is attached and
//! what the transcript says all come in through [`Context`], gathered as [`needs`] says. The binary executes the actions
//! in order: [`Action::Cancel`] signals a deliverer, [`Action::Schedule`] spawns one (then
//! [`attach_deliverer`] records it), [`Action::SendNow`] hands progress pushes to a deliverer
//! that sends them at once, and [`Action::Record`] logs a decision. The session's pending push
//! ([`Pending`](crate::state::Pending)) is the one record of a push until it is sent; a
//! deliverer asks [`fire_check`] right before sending, which gives it the notification, and
//! reports back with [`mark_delivered`] or [`mark_dropped`]. When a session's state is
//! [`finished`](crate::state::SessionState::finished) (it ended and no push waits), the binary
//! deletes it.
//!
//! Rules, in short:
//! * A person's prompt starts a turn and cancels any pending push: they are at the keyboard.
//! * A prompt the agent injects (Claude Code's `<task-notification>`) continues the turn and
//!   leaves a pending push alone: nobody came back, and the turn end that ends the continued
//!   work replaces that push anyway; should the continuation end without one, the earlier end
//!   is still reported.
//! * A turn end pushes Done or Error after the delay policy's wait; a turn end with background
//!   tasks running is a pause, not an end. An API error pushes an Error at once.
//! * A second end of a turn whose first end a hook blocked replaces a still-pending push with
//!   one carrying the newer reply, and pushes nothing if the turn's push was already
//!   delivered: one push per turn either way.
//! * A question to the user (permission, MCP dialog) pushes NeedsInput; any later event except
//!   another request for attention cancels it (the question was answered). An idle prompt
//!   pushes NeedsInput unless a push about the turn is already pending or delivered.
//! * At most one pending push per session: a new push replaces the pending one.
//! * At most one Done push per `rate_limit`; Error and NeedsInput are never rate limited.
//! * With progress pushes on, the agent's intermediate messages go out silently as the
//!   transcript shows them, besides the one banner per turn (see [`progress`](crate::progress));
//!   the banner's deliverer first sends what the transcript wrote only after the turn end
//!   ([`banner_catch_up`]).

mod action;
mod config;
mod context;
mod deliverer;
mod needs;
mod progress_step;
mod push;
mod step;
#[cfg(test)]
mod tests;

pub use action::Action;
pub use config::{EngineConfig, HeadlessPolicy};
pub use context::{Context, TranscriptFacts};
pub use deliverer::{
    FireVerdict, Orphan, attach_deliverer, attach_reply_file, attach_terminal, fire_check,
    mark_delivered, mark_dropped, orphan_verdict, reply_file,
};
pub use needs::{Needs, TailDepth, needs};
pub use progress_step::{banner_catch_up, banner_catch_up_from};
pub use step::step;
