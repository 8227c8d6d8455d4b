//! What a push says: its title ("proj — done in 2m 05s") and its body (the agent's reply,
//! redacted and cut to size).

use std::path::Path;
use std::time::Duration;

use crate::event::Agent;
use crate::text::truncate_chars;

/// The most characters a rendered body keeps (senders cut further to their own limits).
pub const BODY_MAX_CHARS: usize = 4000;

/// Characters read past [`BODY_MAX_CHARS`] before redacting, so that a secret straddling the
/// cut is still recognised, while a huge reply costs no more than this window.
pub const REDACT_SLACK_CHARS: usize = 512;

/// The title's project name when the session has no usable working directory.
pub const FALLBACK_PROJECT: &str = "Claude Code";

/// What the title announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headline<'a> {
    /// The turn finished, after this long if known.
    Done(Option<Duration>),
    /// The turn failed; the words say how ("rate limited").
    Error(&'a str),
    /// The agent waits for the user.
    NeedsInput,
}

/// The project name shown in titles: the last component of `cwd`, or [`FALLBACK_PROJECT`].
pub fn project_name(cwd: Option<&Path>) -> String {
    cwd.and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| FALLBACK_PROJECT.to_owned())
}

/// A push title: `"proj — done in 2m 05s"`, `"proj — error: rate limited"`,
/// `"proj — needs your input"`.
pub fn title(project: &str, headline: Headline<'_>) -> String {
    titled(format!("{project} — "), headline)
}

/// The title of `agent`'s push: [`title`] for Claude Code (whose titles people know), and
/// naming the agent for every other one: `"proj — Codex done in 12s"`,
/// `"proj — Gemini CLI needs your input"`.
pub fn agent_title(agent: Agent, project: &str, headline: Headline<'_>) -> String {
    match agent {
        Agent::Claude => title(project, headline),
        other => titled(format!("{project} — {} ", other.display_name()), headline),
    }
}

fn titled(mut who: String, headline: Headline<'_>) -> String {
    match headline {
        Headline::Done(Some(d)) => who.push_str(&format!("done in {}", duration(d))),
        Headline::Done(None) => who.push_str("done"),
        Headline::Error(what) => who.push_str(&format!("error: {what}")),
        Headline::NeedsInput => who.push_str("needs your input"),
    }
    who
}

/// A duration for people: `"45s"`, `"2m 05s"`, `"1h 02m"`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

/// A push body from `text`: credential-like strings redacted (when `redact`), then cut to
/// [`BODY_MAX_CHARS`]. Only a bounded prefix is ever redacted, so a 300 KB reply is cheap.
/// An empty text gives an empty body.
pub fn body(text: &str, redact: bool) -> String {
    let window = match text.char_indices().nth(BODY_MAX_CHARS + REDACT_SLACK_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    if redact {
        let clean = crate::redact::redact(window);
        truncate_chars(&clean, BODY_MAX_CHARS).into_owned()
    } else {
        truncate_chars(window, BODY_MAX_CHARS).into_owned()
    }
}

/// Joins an optional note (e.g. the failure count) and a text into a body, note first so a
/// sender's cut never drops it.
pub fn with_note(note: Option<&str>, text: &str) -> String {
    match (note, text.is_empty()) {
        (None, _) => text.to_owned(),
        (Some(n), true) => n.to_owned(),
        (Some(n), false) => format!("{n}\n\n{text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::char_len;
    use proptest::prelude::*;

    #[test]
    fn other_agents_titles_name_the_agent_and_claude_codes_stay_as_they_were() {
        let d = Headline::Done(Some(Duration::from_secs(12)));
        assert_eq!(
            agent_title(Agent::Codex, "proj", d),
            "proj — Codex done in 12s"
        );
        assert_eq!(
            agent_title(Agent::Gemini, "proj", Headline::NeedsInput),
            "proj — Gemini CLI needs your input"
        );
        assert_eq!(
            agent_title(Agent::Qwen, "proj", Headline::Error("rate limited")),
            "proj — Qwen Code error: rate limited"
        );
        assert_eq!(agent_title(Agent::Claude, "proj", d), title("proj", d));
        assert_eq!(agent_title(Agent::Claude, "proj", d), "proj — done in 12s");
    }

    #[test]
    fn titles_say_project_kind_and_duration() {
        let p = project_name(Some(Path::new("/home/dev/proj")));
        assert_eq!(
            title(&p, Headline::Done(Some(Duration::from_secs(125)))),
            "proj — done in 2m 05s"
        );
        assert_eq!(
            title(&p, Headline::Error("rate limited")),
            "proj — error: rate limited"
        );
        assert_eq!(title(&p, Headline::NeedsInput), "proj — needs your input");
        assert_eq!(title("x", Headline::Done(None)), "x — done");
    }

    #[test]
    fn project_falls_back_without_a_directory_name() {
        assert_eq!(project_name(None), FALLBACK_PROJECT);
        assert_eq!(project_name(Some(Path::new("/"))), FALLBACK_PROJECT);
        assert_eq!(project_name(Some(Path::new("/a/b/"))), "b");
    }

    #[test]
    fn durations_read_naturally() {
        let s = Duration::from_secs;
        assert_eq!(duration(s(0)), "0s");
        assert_eq!(duration(s(59)), "59s");
        assert_eq!(duration(s(60)), "1m 00s");
        assert_eq!(duration(s(3599)), "59m 59s");
        assert_eq!(duration(s(3720)), "1h 02m");
    }

    #[test]
    fn body_is_capped_and_empty_stays_empty() {
        assert_eq!(body("", true), "");
        assert_eq!(body("short reply", true), "short reply");
        let huge = "ü".repeat(300_000);
        let b = body(&huge, true);
        assert_eq!(char_len(&b), BODY_MAX_CHARS);
        assert!(b.ends_with(crate::text::ELLIPSIS));
    }

    #[test]
    fn note_comes_first() {
        assert_eq!(with_note(Some("n."), "reply"), "n.\n\nreply");
        assert_eq!(with_note(Some("n."), ""), "n.");
        assert_eq!(with_note(None, "reply"), "reply");
    }

    proptest! {
        #[test]
        fn body_is_a_prefix_when_not_redacting(s in "\\PC{0,5000}") {
            let b = body(&s, false);
            prop_assert!(char_len(&b) <= BODY_MAX_CHARS);
            let kept = b.strip_suffix(crate::text::ELLIPSIS).unwrap_or(&b);
            prop_assert!(s.starts_with(kept));
        }
    }
}
