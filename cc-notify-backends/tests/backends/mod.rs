//! One module per backend, each against what it talks to.

mod command_run;
mod desktop_dunst;
mod ntfy_fake;
mod telegram_fake;
mod webhook_fake;
