//! # cc-notify-core
//!
//! Every decision of [cc-notify](https://github.com/cc-notify/cc-notify), the tool that pushes
//! a notification to your phone when your coding agent finishes a turn, fails, or needs input —
//! only when you have walked away.
//!
//! The crate is pure where it can be: the turn-state machine, the delay bands, the presence
//! verdict, the delivery policy, rendering and redaction are functions of their inputs, with no
//! clocks, processes or network inside. The binary wires them to stdin, files, processes and
//! HTTP. Four modules do I/O themselves:
//!
//! * [`store`]: the state directory, its locks and files;
//! * [`decision_log`]: appends to and reads the decision log;
//! * [`transcript`]: opens and reads transcript files (the same scans also run over bytes);
//! * [`tty`]: stats the terminal device, and reads `/proc` to find it.
//!
//! Everything else is pure.
//!
//! The path of an event: an [`agent`] adapter decodes the agent's payload onto an [`Event`];
//! [`engine::needs`] says what to read before the step; [`engine::step`] gives the new
//! [`SessionState`] and the [`Action`]s; a scheduled push waits in the state's
//! [`Pending`](state::Pending) record until its deliverer, waiting on a [`wait_clock`], asks
//! [`engine::fire_check`]; the [`delivery`] policy then sends it through a [`Notifier`]. A
//! push whose deliverer died is resent or declared lost by [`engine::orphan_verdict`].
//!
//! Build your own notifier by implementing [`Notifier`] (it gets retries, the outbox and holds
//! from [`delivery`]); plug in your own presence signal with [`ActivityProbe`].

pub mod activity;
pub mod agent;
pub mod approval;
pub mod decision;
pub mod decision_log;
pub mod delay;
pub mod delivery;
pub mod endpoint;
pub mod engine;
pub mod event;
#[doc(hidden)]
pub mod fuzzing;
pub mod notification;
pub mod notifier;
pub mod outcome;
pub mod permission;
pub mod presence;
pub mod progress;
pub mod quiet;
pub mod redact;
pub mod render;
pub mod routing;
pub mod state;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod text;
pub mod transcript;
pub mod tty;
pub mod wait_clock;

pub use activity::{Activity, ActivityProbe, Certainty, Input, ProbeError, Reading};
pub use decision::DecisionKind;
pub use delay::Bands;
pub use engine::{Action, Context, EngineConfig, HeadlessPolicy};
pub use event::{Agent, Event, EventKind};
pub use notification::{Kind, Notification};
pub use notifier::{Notifier, NotifyError, Receipt};
pub use presence::{Decision, PresenceConfig, Reason, SkipReason, Verdict, Watch, WatchStep};
pub use state::SessionState;
pub use store::{StateDir, StoreError};
pub use transcript::{Scan, TranscriptError, TurnTail};
pub use tty::TtyProbe;
