//! # cc-notify-core
//!
//! Every decision of [cc-notify](https://github.com/cc-notify/cc-notify), the tool that pushes
//! a notification to your phone when your coding agent finishes a turn, fails, or needs input —
//! only when you have walked away.
//!
//! The crate is pure where it can be: the turn-state machine, the delay policy, the presence
//! verdict, rendering and redaction are functions of their inputs, with no clocks, processes or
//! network inside. The binary wires them to stdin, files, processes and HTTP.
//!
//! Build your own notifier by implementing [`Notifier`]; plug in your own presence signal with
//! [`ActivityProbe`] and your own timing with [`DelayPolicy`].

pub mod activity;
pub mod agent;
pub mod decision;
pub mod decision_log;
pub mod delay;
pub mod engine;
pub mod event;
#[doc(hidden)]
pub mod fuzzing;
pub mod notification;
pub mod notifier;
pub mod outcome;
pub mod presence;
pub mod progress;
pub mod redact;
pub mod render;
pub mod state;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod text;
pub mod transcript;
pub mod tty;

pub use activity::{Activity, ActivityProbe, ProbeError};
pub use decision::DecisionKind;
pub use delay::{Bands, DelayPolicy};
pub use engine::{Action, Context, EngineConfig, HeadlessPolicy, PushPlan};
pub use event::{Agent, Event, EventKind};
pub use notification::{Kind, Notification};
pub use notifier::{Notifier, NotifyError, Receipt};
pub use presence::{PresenceConfig, SkipReason, Watch, WatchStep};
pub use state::SessionState;
pub use store::{StateDir, StoreError};
pub use transcript::{Scan, TranscriptError, TurnTail};
pub use tty::TtyProbe;
