//! Recognising cc-notify's own hook commands: a `cc-notify` binary (quoted or not, any
//! directory) followed by ` hook`, and nothing else.

use std::path::Path;

use super::SettingsError;

/// The hook command that runs `program`: its shell-quoted path and ` hook`.
pub fn hook_command(program: &Path) -> Result<String, SettingsError> {
    let path = program
        .to_str()
        .ok_or_else(|| SettingsError::NonUtf8Path(program.to_owned()))?;
    Ok(format!("{} hook", shell_quote(path)))
}

/// Quotes `s` for `/bin/sh` when it holds anything but plainly safe characters.
pub(super) fn shell_quote(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+:@%,=".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Reads one shell word (quotes and backslashes resolved); `None` when `s` is not exactly one
/// word.
pub(super) fn shell_word(s: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    c => out.push(c),
                }
            },
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => match chars.next()? {
                        c @ ('"' | '\\' | '$' | '`') => out.push(c),
                        '\n' => {}
                        c => {
                            out.push('\\');
                            out.push(c);
                        }
                    },
                    c => out.push(c),
                }
            },
            '\\' => out.push(chars.next()?),
            c if c.is_whitespace() => return None,
            c => out.push(c),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The program of one of our commands, or `None` when the command is not ours.
pub(super) fn our_program(command: &str) -> Option<String> {
    let program = shell_word(command.strip_suffix(" hook")?.trim())?;
    let name = program.rsplit('/').next()?;
    (name == "cc-notify").then_some(program)
}

/// Whether `command` runs a `cc-notify` binary's `hook` subcommand and nothing else.
pub fn is_our_command(command: &str) -> bool {
    our_program(command).is_some()
}
