//! Progress pushes: the agent's intermediate messages of a running turn ("I'll check the logs
//! now…"), sent silently as they appear in the transcript, for users who opt in.
//!
//! The binary scans the transcript forwards from the session's [`ProgressCursor`] when
//! [`needs`](crate::engine::needs) asks for it and hands the
//! [`Scan`] to [`step`](crate::engine::step) in [`Context::progress`](crate::engine::Context::progress). The step then:
//!
//! * at a person's prompt, skips everything written so far: it belongs to earlier turns;
//! * after a tool call, pushes each new message at once (or, with `min_interval`, coalesces
//!   them into one push at most that often);
//! * when the turn ends, pushes what is left except the final reply, which is the Done or
//!   Error banner's body;
//! * right before that banner goes out, pushes what the transcript had not written yet when
//!   the turn ended ([`banner_catch_up`](crate::engine::banner_catch_up)): Claude Code writes
//!   it in batches, so it can lag every hook, the turn end's included. So a busy machine loses
//!   no step and the banner still comes last.
//!
//! A message is pushed at most once: the cursor's offset only grows, and every message pushed
//! or skipped is remembered by id, so a scan that lags behind (it started from an older offset,
//! or saw a shorter file) repeats nothing. The scanner reports a message only once it is
//! complete, so a half-written message waits for the next scan. Final replies
//! (`stop_reason:"end_turn"`) are never progress. When the cursor's place in the conversation
//! is unknown (first scan of a transcript), everything up to the last final reply is skipped.
//!
//! Progress pushes are neither delayed nor presence-checked, and never touch the pending
//! banner push; the opt-out marker and the headless policy silence them like any push.

use std::path::Path;

use crate::render::BODY_MAX_CHARS;
use crate::state::ProgressCursor;
use crate::text::truncate_chars;
use crate::transcript::{AssistantText, Scan};

/// The most progress pushes one hook sends with `min_interval` 0; further messages of the same
/// scan are joined into the last one, so a transcript that lagged far behind cannot flood the
/// phone.
pub const MAX_BURST: usize = 8;

/// Where in the turn a scan was taken, which decides what of it is pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment<'a> {
    /// A person's prompt: everything written so far belongs to earlier turns.
    Prompt,
    /// A tool call (or round) finished: new intermediate messages are pushed.
    Running,
    /// The turn ended; the final reply's last text block, if known
    /// (`reply`), identifies it when it lacks `end_turn`.
    TurnEnd(Option<&'a str>),
}

/// Takes in a scan of the transcript at `path`: moves the cursor on and returns the texts to
/// push, in order. Every message returned or skipped is remembered and never returned again.
pub fn absorb<'s>(
    cursor: &mut ProgressCursor,
    scan: &'s Scan,
    path: Option<&Path>,
    moment: Moment<'_>,
) -> Vec<&'s str> {
    let synced = cursor.path.is_some() && cursor.path.as_deref() == path;
    cursor.offset = if synced {
        cursor.offset.max(scan.next_offset)
    } else {
        scan.next_offset
    };
    cursor.path = path.map(Path::to_owned);
    let messages = &scan.messages;
    let final_reply = match moment {
        Moment::TurnEnd(block) => messages
            .len()
            .checked_sub(1)
            .filter(|&i| is_final_reply(&messages[i], block)),
        _ => None,
    };
    let first_new = match moment {
        Moment::Prompt => messages.len(),
        _ if synced => 0,
        // Unknown place: what precedes the last final reply belongs to earlier turns.
        _ => messages[..final_reply.unwrap_or(messages.len())]
            .iter()
            .rposition(|m| m.end_turn)
            .map_or(0, |i| i + 1),
    };
    let mut texts = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let unseen = cursor.remember(&m.id);
        let progress = i >= first_new && !m.end_turn && Some(i) != final_reply;
        if unseen && progress && !m.text.trim().is_empty() {
            texts.push(m.text.as_str());
        }
    }
    texts
}

/// The title of a progress push: `"proj — working…"`.
pub fn title(project: &str) -> String {
    format!("{project} — working…")
}

/// The turn's final reply: marked `end_turn`, or ending with the reply's last block.
fn is_final_reply(m: &AssistantText, last_block: Option<&str>) -> bool {
    m.end_turn
        || last_block
            .map(str::trim)
            .is_some_and(|b| !b.is_empty() && m.text.trim_end().ends_with(b))
}

/// At most [`MAX_BURST`] bodies: the excess is joined into the last.
pub(crate) fn cap_burst(mut bodies: Vec<String>) -> Vec<String> {
    if bodies.len() > MAX_BURST {
        let rest = bodies.split_off(MAX_BURST - 1);
        bodies.push(join(&rest));
    }
    bodies
}

/// Bodies joined with a blank line, cut to [`BODY_MAX_CHARS`].
pub(crate) fn join(bodies: &[String]) -> String {
    truncate_chars(&bodies.join("\n\n"), BODY_MAX_CHARS).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, text: &str, end_turn: bool) -> AssistantText {
        AssistantText {
            id: id.into(),
            text: text.into(),
            end_turn,
            offset: 0,
        }
    }

    fn scan(messages: Vec<AssistantText>, next_offset: u64) -> Scan {
        Scan {
            messages,
            next_offset,
        }
    }

    fn t() -> Option<&'static Path> {
        Some(Path::new("t.jsonl"))
    }

    fn synced(offset: u64) -> ProgressCursor {
        ProgressCursor {
            offset,
            path: Some("t.jsonl".into()),
            ..ProgressCursor::default()
        }
    }

    #[test]
    fn running_scans_push_new_intermediate_messages_only() {
        let mut c = synced(0);
        let s = scan(
            vec![
                msg("a", "old reply", true),
                msg("b", "  \n", false),
                msg("c", "Checking.", false),
            ],
            50,
        );
        assert_eq!(absorb(&mut c, &s, t(), Moment::Running), ["Checking."]);
        assert_eq!(c.offset, 50);
        assert_eq!(c.seen, ["a", "b", "c"]);
        assert!(absorb(&mut c, &s, t(), Moment::Running).is_empty(), "seen");
    }

    #[test]
    fn a_lagging_scan_never_moves_the_offset_back() {
        let mut c = synced(80);
        absorb(&mut c, &scan(vec![], 40), t(), Moment::Running);
        assert_eq!(c.offset, 80);
    }

    #[test]
    fn a_prompt_skips_everything_before_it() {
        let mut c = synced(0);
        let s = scan(vec![msg("a", "interrupted work", false)], 30);
        assert!(absorb(&mut c, &s, t(), Moment::Prompt).is_empty());
        assert!(absorb(&mut c, &s, t(), Moment::Running).is_empty());
        assert_eq!(c.offset, 30);
    }

    #[test]
    fn unknown_place_skips_earlier_turns() {
        let mut c = ProgressCursor::default();
        let s = scan(
            vec![
                msg("a", "earlier step", false),
                msg("b", "earlier reply", true),
                msg("c", "this turn", false),
            ],
            90,
        );
        assert_eq!(absorb(&mut c, &s, t(), Moment::Running), ["this turn"]);
        assert_eq!(c.path.as_deref(), t());
        // A new transcript starts over from its own offset.
        let other = Some(Path::new("new.jsonl"));
        let s = scan(vec![msg("d", "fresh", false)], 10);
        assert_eq!(absorb(&mut c, &s, other, Moment::Running), ["fresh"]);
        assert_eq!(c.offset, 10);
    }

    #[test]
    fn turn_end_leaves_the_final_reply_to_the_banner() {
        // The final reply without end_turn (e.g. max_tokens) is known by its last block.
        let mut c = synced(0);
        let s = scan(
            vec![
                msg("a", "Step two.", false),
                msg("b", "Final.\n\nLast block.", false),
            ],
            70,
        );
        let end = Moment::TurnEnd(Some("Last block."));
        assert_eq!(absorb(&mut c, &s, t(), end), ["Step two."]);
        assert!(absorb(&mut c, &s, t(), Moment::Running).is_empty());
        // Unknown place at the end: this turn's steps still count.
        let mut c = ProgressCursor::default();
        let s = scan(
            vec![
                msg("x", "old", true),
                msg("a", "Step.", false),
                msg("b", "Done.", true),
            ],
            70,
        );
        assert_eq!(absorb(&mut c, &s, t(), Moment::TurnEnd(None)), ["Step."]);
    }

    #[test]
    fn bursts_are_capped_by_joining_the_tail() {
        let bodies: Vec<String> = (0..MAX_BURST + 3).map(|i| i.to_string()).collect();
        let capped = cap_burst(bodies);
        assert_eq!(capped.len(), MAX_BURST);
        assert_eq!(capped[MAX_BURST - 2], (MAX_BURST - 2).to_string());
        let tail: Vec<String> = (MAX_BURST - 1..MAX_BURST + 3)
            .map(|i| i.to_string())
            .collect();
        assert_eq!(capped[MAX_BURST - 1], tail.join("\n\n"));
    }
}
