//! Test fakes for cc-notify, all listening on 127.0.0.1 only: a Pushover API fake that
//! enforces the documented rules, a stand-in for the Anthropic Messages API that lets the
//! real Claude Code CLI run scripted turns, and one for the OpenAI and Gemini APIs that the
//! other coding agents speak.

pub mod anthropic;
mod gemini;
pub mod model_api;
mod openai;
pub mod pushover;
