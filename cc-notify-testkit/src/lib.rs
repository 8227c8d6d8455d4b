//! Test fakes for cc-notify, all listening on 127.0.0.1 only: a Pushover API fake that
//! enforces the documented rules; strict ntfy, Telegram Bot API and webhook (Slack, Discord,
//! JSON) fakes built on one scripted server ([`scripted::Fake`]); a real notification daemon
//! session (dunst under Xvfb, [`dunst::DunstSession`]); a stand-in for the Anthropic Messages
//! API that lets the real Claude Code CLI run scripted turns; and one for the OpenAI and Gemini
//! APIs that the other coding agents speak ([`model_api`]).

pub mod anthropic;
pub mod dunst;
mod gemini;
pub mod model_api;
pub mod ntfy;
mod openai;
pub mod pushover;
pub mod scripted;
mod served;
mod stand_in;
pub mod telegram;
pub mod webhook;
