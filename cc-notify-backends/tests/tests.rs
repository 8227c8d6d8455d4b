//! The backends' integration tests, in one test binary: the command backend running real
//! programs, ntfy, Telegram and webhooks against their strict fakes, and the desktop backend
//! against a real notification daemon (ignored unless asked for: run
//! `cargo test -p cc-notify-backends --test tests desktop_dunst:: -- --ignored --test-threads=1`).

mod backends;
