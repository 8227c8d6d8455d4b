//! Permission dialogs answered from the phone (`[approvals]`), fail-safe.
//!
//! For a permission request (Claude Code's `PermissionRequest`, Codex's) with approvals on,
//! the hook decides at once whether the user is away (tmux, the terminal's last input; unsure
//! counts as present) and otherwise abstains — prints nothing, costs what the hook costs.
//! When away it sends the exact tool, command or path and the project (redacted like every
//! push) with Allow / Deny (and, when Claude Code suggested a rule, Always allow) buttons, each
//! carrying `<d>.<request id>.<mac>`: through ntfy ([`ntfy`]: the buttons post to a response
//! topic this process subscribed to first) or Telegram ([`telegram`]: inline buttons, taps read
//! with `getUpdates` by one poller shared by all waiting hooks). Then it waits, bounded by
//! `[approvals] timeout`, for an answer that core's [`PendingRequest`] accepts
//! (request-bound, MAC-verified, first and timely). Only then does it print a decision, in
//! the agent's format ([`permission::output`]). Everything else — timeout, an error, a lost
//! connection, a local answer at the keyboard (a later event of the session, or Claude Code's
//! sessions registry leaving `waiting`) — prints nothing and exits 0, so the local dialog
//! stays exactly as if cc-notify were not installed; the phone prompt is then withdrawn or
//! marked as settled.
//!
//! A later hook event of the session ends the wait through a marker file per session in the
//! state directory (`approvals/<session>.pending`): the waiting process owns it, and the
//! hook run of an event that ends the request (core's [`ends_request`]) removes it. Claude
//! Code's own "permission needed" notice, arriving meanwhile, is held in
//! `approvals/<session>.deferred` and handled as usual only if nobody answered.

mod files;
pub mod ntfy;
pub mod telegram;

use std::cell::OnceCell;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use cc_notify_backends::Timeouts;
use cc_notify_backends::ntfy::Ntfy;
use cc_notify_core::agent::select;
use cc_notify_core::approval::{
    AbstainReason, Decision, InstallSecret, PendingRequest, RequestId, Step,
};
use cc_notify_core::event::{Agent, Event, EventKind};
use cc_notify_core::permission::{self, PermissionAsk, Presence, ends_request};
use cc_notify_core::store::StateDir;
use cc_notify_core::{ActivityProbe, DecisionKind, Reading, redact, tty};
use cc_notify_presence::sessions::ClaudeSessionProbe;
use cc_notify_presence::tmux::TmuxProbe;

use crate::config::approvals::Via;
use crate::runtime::{self, Runtime};
use files::{
    Marker, deferred_path, install_secret, marker_path, read_small, take_deferred, write_new,
};

pub use ntfy::RESPONSE_SUFFIX;

/// The file in the state directory holding the install secret that MACs answers.
pub const SECRET_FILE: &str = "approval.key";
/// The directory in the state directory holding one marker per waiting request.
const PENDING_DIR: &str = "approvals";
/// How often the wait looks for a local answer.
const POLL: Duration = Duration::from_millis(200);
/// What the agent is told when the phone denies.
pub const DENY_MESSAGE: &str = "Denied from the phone (cc-notify).";
/// Why a wait ended when the dialog was answered at the keyboard.
const ANSWERED_LOCALLY: &str = "answered at the keyboard";
/// Bounds of the requests made while the agent waits for the hook's answer.
const QUICK: Timeouts = Timeouts {
    connect: Duration::from_secs(3),
    read: Duration::from_secs(5),
};

/// The security model, as `doctor` states it.
pub const SECURITY_MODEL: &str = "Phone approvals: a permission dialog (Claude Code, Codex) is \
offered to your phone only while you are away, with the exact command or path (redacted). Each \
button carries an HMAC-SHA256 over (a fresh random request id, its decision) keyed with a \
secret that never leaves this machine (approval.key in the state directory, 0600) except as \
those MACs, untruncated; the hook accepts only the first valid answer for that request within \
the window (on Telegram, only a tap by the configured user in that private chat), so a guessed \
topic, a forged, replayed, late or mismatched answer changes nothing. It never allows on its \
own: on a timeout, an error, any doubt or an answer at the keyboard it prints nothing and the \
agent's own dialog stays. Anyone who can read this state directory, or holds your unlocked \
phone, can approve. With ntfy the buttons carry your ntfy token, so whoever can read the \
prompt topic sees it (and the commands): use a private topic on a server that requires tokens, \
and give that token only what approvals need.";

/// What `doctor` says about approvals: (fine, line) pairs.
pub fn doctor_lines(config: &crate::config::Config) -> Vec<(bool, String)> {
    let a = &config.approvals;
    if !a.enabled {
        return vec![(
            true,
            "phone approvals are off ([approvals] enabled = false)".into(),
        )];
    }
    let mut lines = vec![(true, SECURITY_MODEL.to_owned())];
    match a.via {
        Via::Telegram => lines.push(match telegram::unusable(config) {
            Some(why) => (false, why),
            None => (
                true,
                format!(
                    "phone approvals via Telegram: inline buttons in chat {}, one poller shared by \
                     waiting hooks, waiting up to {} s",
                    config.telegram.chat_id,
                    a.timeout.as_secs()
                ),
            ),
        }),
        Via::Ntfy => match Ntfy::from_config(&config.ntfy) {
            Ok(n) => lines.push((
                true,
                format!(
                    "phone approvals via ntfy: prompts to {}/{}, answers on {}{RESPONSE_SUFFIX}, waiting up to {} s",
                    n.url(),
                    n.topic(),
                    n.topic(),
                    a.timeout.as_secs()
                ),
            )),
            Err(e) => lines.push((false, format!("phone approvals need ntfy: {e}"))),
        },
    }
    lines
}

/// What to do about a failing [`doctor_lines`] line.
pub fn doctor_fix(config: &crate::config::Config) -> &'static str {
    match config.approvals.via {
        Via::Ntfy => "set [ntfy] topic (and url, token), or turn [approvals] off",
        Via::Telegram => {
            "set [telegram] bot_token and chat_id (your numeric user id), or turn [approvals] off"
        }
    }
}

/// The hook's reader: [`select::read_document`], plus the fields of a permission request
/// ([`permission::FIELDS`]) when approvals are on. The config is looked at only when the
/// document has such a field (tool events), and parsed only when it mentions approvals.
/// With approvals on, a tool event's input is kept in memory (it is the size Claude Code
/// sent); with them off nothing more is kept.
///
/// `agent` is the agent the hook was registered for (`None`: detected from the document);
/// only Claude Code's and Codex's permission dialogs are answered from the phone.
pub fn read_document(agent: Option<Agent>, input: impl Read) -> io::Result<Vec<u8>> {
    read_document_if(agent, input, enabled_in_config)
}

/// [`read_document`] with `enabled` asked (at most once, and only when the document has a
/// permission field) whether approvals are on.
fn read_document_if(
    agent: Option<Agent>,
    input: impl Read,
    enabled: impl FnOnce() -> bool,
) -> io::Result<Vec<u8>> {
    let answer = OnceCell::new();
    let enabled = std::cell::Cell::new(Some(enabled));
    let approvals = matches!(agent, None | Some(Agent::Claude | Agent::Codex));
    select::read_document_keeping(agent, input, |key| {
        approvals
            && permission::FIELDS.iter().any(|f| f.as_bytes() == key)
            && *answer.get_or_init(|| enabled.take().is_some_and(|f| f()))
    })
}

/// Whether the config turns approvals on; a file that does not mention them is not parsed.
fn enabled_in_config() -> bool {
    let Some(path) = crate::config::config_path() else {
        return false;
    };
    let mentions = std::fs::read_to_string(&path).is_ok_and(|t| t.contains("approvals"));
    mentions
        && crate::config::load(&path, &runtime::env_var).is_ok_and(|l| l.config.approvals.enabled)
}

/// The hook's one entry point, with approvals on. For a permission request (Claude Code's
/// `PermissionRequest`, Codex's) it runs the whole approval, printing a decision only for a
/// valid phone answer, and gives `true` when the hook has nothing more to do. For another
/// event of a session whose request waits, it ends the request when the event answers it
/// ([`ends_request`]), and holds back the agent's own needs-input notice for that dialog
/// ([`permission::deferred_while_asking`]): `true` when held. `doc` is the hook document as
/// read.
///
/// When the phone got the prompt but nobody answered, the usual Needs-input push still
/// follows: the held notice (Claude Code) or the request itself (Codex, whose request is its
/// needs-input event) is then handled as usual ([`permission::replays_after`]).
pub fn dispatch(dir: &StateDir, rt: &Runtime, event: &Event, doc: &[u8]) -> bool {
    if !rt.config.approvals.enabled {
        return false;
    }
    let asks = match event.agent {
        Agent::Claude => matches!(event.kind, EventKind::PermissionAsked { .. }),
        Agent::Codex => event.name() == "PermissionRequest",
        _ => false,
    };
    if !asks {
        return note_later_event(dir, event, doc);
    }
    let outcome = match approve(dir, rt, event, doc) {
        // Nothing was sent: everything goes on as without approvals.
        Approval::NotAsked => return event.agent == Agent::Claude,
        Approval::Printed(json) => {
            let mut out = io::stdout().lock();
            let _ = out.write_all(json.as_bytes());
            let _ = out.flush();
            permission::Outcome::Decided
        }
        Approval::Ended(outcome) => outcome,
    };
    // The request is over (its marker gone): a notice held meanwhile is taken, by this
    // process or by the hook run that held it, never both.
    let held = take_deferred(dir.path(), &event.session_id);
    if !permission::replays_after(outcome) {
        return true;
    }
    if let Some(held) = held.and_then(|doc| select::decode(Some(event.agent), &doc).ok()) {
        crate::hook::handle_now(dir, rt, &held.into_event());
    }
    // Codex: the request is the needs-input event; Claude Code's is not an event the engine
    // pushes for.
    event.agent == Agent::Claude
}

/// How an approval ended.
enum Approval {
    /// A valid phone answer: print this.
    Printed(String),
    /// Abstained before anything was sent (present, unsure, not answerable, no backend).
    NotAsked,
    /// The prompt was sent and the request ended without a phone decision.
    Ended(permission::Outcome),
}

/// What the phone is shown: the title (project and tool) and the exact command or path,
/// redacted like every push.
pub(crate) struct Shown {
    /// `<project>: <tool> needs approval`.
    pub(crate) title: String,
    /// The command, path or input, cut to 3000 bytes.
    pub(crate) what: String,
    /// The window, in seconds.
    pub(crate) window_secs: u64,
}

impl Shown {
    fn of(rt: &Runtime, event: &Event, ask: &PermissionAsk) -> Shown {
        let clean = |s: &str| {
            if rt.engine.redact {
                redact::redact(s).into_owned()
            } else {
                s.to_owned()
            }
        };
        let project = std::env::var_os("CLAUDE_PROJECT_DIR")
            .filter(|_| event.agent == Agent::Claude)
            .map(PathBuf::from)
            .or_else(|| event.cwd.clone())
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| event.agent.id().into());
        let mut what = clean(&ask.what());
        if what.len() > 3000 {
            let mut cut = 3000;
            while !what.is_char_boundary(cut) {
                cut -= 1;
            }
            what.truncate(cut);
            what.push('…');
        }
        Shown {
            title: clean(&format!("{project}: {} needs approval", ask.tool_name)),
            what,
            window_secs: rt.config.approvals.timeout.as_secs(),
        }
    }
}

/// Where the prompt went and the answers come from.
pub(crate) trait Channel {
    /// What the wait sees next, blocking about [`POLL`] (a Telegram poll up to a second more).
    fn next(&mut self) -> Seen;
    /// The request ended so: settle the prompt (withdraw it, or say what happened).
    fn finish(&mut self, ended: &Ended);
    /// The last error the channel met while waiting (kept for the log), if any.
    fn trouble(&self) -> Option<&str> {
        None
    }
}

/// Runs one approval.
fn approve(dir: &StateDir, rt: &Runtime, event: &Event, doc: &[u8]) -> Approval {
    let log = |kind: DecisionKind, why: String| runtime::log_event(dir, event, kind, None, why);
    let abstain = |why: &str| {
        log(
            DecisionKind::Suppressed,
            format!("permission dialog left to the keyboard: {why}"),
        );
        Approval::NotAsked
    };
    let Some(ask) = PermissionAsk::parse(doc) else {
        return abstain("the request names no tool");
    };
    if !ask.answerable() {
        return abstain(&format!("{} has its own dialog", ask.tool_name));
    }
    match presence(rt) {
        Presence::Away => {}
        Presence::Present => return abstain("you are at the keyboard"),
        Presence::Unsure => return abstain("cannot tell whether you are away"),
    }
    let secret = match install_secret(dir.path()) {
        Ok(s) => s,
        Err(e) => return abstain(&format!("no install secret: {e}")),
    };
    let Ok(id) = RequestId::generate() else {
        return abstain("the random source failed");
    };
    let marker = match Marker::create(dir.path(), &event.session_id, &id, &ask.tool_name) {
        Ok(m) => m,
        Err(e) => return abstain(&format!("cannot record the request: {e}")),
    };
    // Its first look at the registry is taken before the phone can be asked.
    let mut local = LocalAnswer::new(marker, &event.session_id);
    // "Always" applies the agent's suggested rules, which only Claude Code takes back.
    let always = event.agent == Agent::Claude && ask.always_offered();
    let shown = Shown::of(rt, event, &ask);
    let opened: Result<Box<dyn Channel>, String> = match rt.config.approvals.via {
        Via::Ntfy => {
            ntfy::NtfyChannel::open(rt, &secret, &id, always, &shown).map(|c| Box::new(c) as _)
        }
        Via::Telegram => telegram::TelegramChannel::open(
            &dir.path().join(PENDING_DIR),
            rt,
            &secret,
            &id,
            always,
            &shown,
        )
        .map(|c| Box::new(c) as _),
    };
    let mut channel = match opened {
        Ok(c) => c,
        Err(why) => return abstain(&why),
    };
    log(
        DecisionKind::Fired,
        format!(
            "approval request sent for {}; waiting up to {} s",
            ask.tool_name,
            rt.config.approvals.timeout.as_secs()
        ),
    );
    let mut rq = PendingRequest::new(id, rt.config.approvals.timeout, always);
    let start = Instant::now();
    let ended = wait(&mut rq, &secret, || {
        let seen = match channel.next() {
            Seen::Nothing | Seen::Answer(_) if local.answered() => Seen::AnsweredLocally,
            other => other,
        };
        (seen, start.elapsed())
    });
    drop(local);
    channel.finish(&ended);
    let printed = printed(&ended, &ask);
    match ended {
        Ended::Decided(d) => {
            log(
                DecisionKind::Fired,
                format!("the phone answered {d:?} for {}", ask.tool_name),
            );
        }
        Ended::Abstained(why) => {
            let trouble = channel
                .trouble()
                .map(|t| format!(" (the channel last failed: {t})"))
                .unwrap_or_default();
            log(
                DecisionKind::Cancelled,
                format!("permission dialog left to the keyboard: {why}{trouble}"),
            );
        }
    }
    match (printed, ended) {
        (Some(json), _) => Approval::Printed(json),
        (None, Ended::Abstained(ANSWERED_LOCALLY)) => {
            Approval::Ended(permission::Outcome::AnsweredLocally)
        }
        (None, _) => Approval::Ended(permission::Outcome::NoAnswer),
    }
}

/// Whether the user is away, from what the hook can read at once: tmux (when the agent runs
/// in it; one `tmux` exec, whose "no client attached" outweighs the keys just typed) and the
/// terminal's last input (one `stat`), against `[timing] typing_window`.
fn presence(rt: &Runtime) -> Presence {
    let env = |k: &str| std::env::var(k).ok();
    let mut readings: Vec<Reading> = Vec::new();
    if let Some(probe) = TmuxProbe::from_env(env("TMUX").as_deref(), env("TMUX_PANE").as_deref()) {
        readings.push(probe.read());
    }
    let claude_pid = env("CLAUDE_PID").and_then(|p| p.parse().ok());
    if let Some(path) = tty::find_user_terminal(claude_pid) {
        readings.push(tty::TtyProbe::new(path).read());
    }
    let window = u64::try_from(rt.presence.typing_window.as_millis()).unwrap_or(u64::MAX);
    permission::presence(&readings, runtime::now_ms(), window)
}

/// What the wait saw at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen {
    /// Bytes published on the response topic.
    Answer(Vec<u8>),
    /// Nothing new.
    Nothing,
    /// The subscription ended or failed.
    ChannelLost,
    /// The dialog was answered at the keyboard, or the session moved on.
    AnsweredLocally,
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    /// A valid answer for this request decided.
    Decided(Decision),
    /// Nothing decided, for this reason: the local dialog stays.
    Abstained(&'static str),
}

/// Feeds what `next` sees (and when, since the request was sent) to `rq` until it decides or
/// abstains. A lost channel abstains: without it no valid answer can come.
pub(crate) fn wait(
    rq: &mut PendingRequest,
    secret: &InstallSecret,
    mut next: impl FnMut() -> (Seen, Duration),
) -> Ended {
    loop {
        let (seen, at) = next();
        let step = match seen {
            Seen::Answer(body) => rq.on_answer(secret, &body, at),
            Seen::Nothing => rq.on_tick(at),
            Seen::AnsweredLocally => rq.on_local_answer(),
            Seen::ChannelLost => return Ended::Abstained("the answer channel was lost"),
        };
        match step {
            Step::Decide(d) => return Ended::Decided(d),
            Step::Abstain(AbstainReason::Timeout) => return Ended::Abstained("no answer in time"),
            Step::Abstain(AbstainReason::AnsweredLocally) => {
                return Ended::Abstained(ANSWERED_LOCALLY);
            }
            Step::Wait(_) => {}
        }
    }
}

/// What the hook prints when a wait ended so: a decision only for [`Ended::Decided`].
pub(crate) fn printed(ended: &Ended, ask: &PermissionAsk) -> Option<String> {
    match ended {
        Ended::Decided(d) => Some(permission::output(*d, ask, DENY_MESSAGE)),
        Ended::Abstained(_) => None,
    }
}

/// For an event other than a permission request, while a request of its session waits: when
/// the event ends it ([`ends_request`]), removes its marker — the waiting process sees that
/// and withdraws; when it is the agent's own notice of that dialog
/// ([`permission::deferred_while_asking`]), holds it for the waiting process and gives
/// `true` (nothing more to do now). One failed `open` when nothing waits.
fn note_later_event(dir: &StateDir, event: &Event, doc: &[u8]) -> bool {
    let path = marker_path(dir.path(), &event.session_id);
    let Some(content) = read_small(&path) else {
        return false;
    };
    let mut fields = content.split('\t');
    let tool = fields.nth(1).unwrap_or_default();
    let waiter = fields.next().and_then(|w| {
        let (pid, start) = w.split_once(':')?;
        Some((pid.parse::<u32>().ok()?, start.parse::<u64>().ok()?))
    });
    if ends_request(event, tool) {
        let _ = std::fs::remove_file(&path);
        return false;
    }
    let waiting = waiter.is_some_and(|(pid, start)| crate::process::is_same_process(pid, start));
    if !permission::deferred_while_asking(event) || !waiting {
        return false;
    }
    let held = deferred_path(dir.path(), &event.session_id);
    if write_new(&held, doc).is_err() {
        return false;
    }
    if read_small(&path).is_some_and(|c| c == content) {
        runtime::log_event(
            dir,
            event,
            DecisionKind::Suppressed,
            Some(cc_notify_core::Kind::NeedsInput),
            "the phone is already asked about this dialog; held until it answers".into(),
        );
        return true;
    }
    // The request ended meanwhile: whoever removes the held file handles it (the waiting
    // process takes it when it ends), so it is handled once.
    std::fs::remove_file(&held).is_ok_and(|()| false)
}

/// Watches for the dialog being answered at the keyboard.
struct LocalAnswer {
    marker: Marker,
    registry: Option<ClaudeSessionProbe>,
    seen_waiting: bool,
}

impl LocalAnswer {
    fn new(marker: Marker, session_id: &str) -> LocalAnswer {
        let env = |k: &str| std::env::var_os(k).map(PathBuf::from);
        let pid = std::env::var("CLAUDE_PID")
            .ok()
            .and_then(|p| p.parse().ok());
        let mut local = LocalAnswer {
            marker,
            registry: ClaudeSessionProbe::from_env(
                env("CLAUDE_CONFIG_DIR").as_deref(),
                env("HOME").as_deref(),
                pid,
                Some(session_id),
            ),
            seen_waiting: false,
        };
        local.answered();
        local
    }

    /// A later event removed or replaced the marker, or the registry left `waiting` after
    /// having shown it.
    fn answered(&mut self) -> bool {
        if !self.marker.still_ours() {
            return true;
        }
        match self.registry.as_ref().and_then(|r| r.still_waiting()) {
            Some(true) => {
                self.seen_waiting = true;
                false
            }
            Some(false) => self.seen_waiting,
            None => false,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use cc_notify_core::approval::answer_token;
    use proptest::prelude::*;

    const WINDOW: Duration = Duration::from_secs(120);

    fn secret() -> InstallSecret {
        InstallSecret::from_hex(&"ab".repeat(32)).unwrap()
    }

    fn ask(always: bool) -> PermissionAsk {
        let s = if always {
            r#"[{"type":"addRules","destination":"session"}]"#
        } else {
            "[]"
        };
        PermissionAsk::parse(
            format!(r#"{{"tool_name":"Bash","tool_input":{{"command":"ls"}},"permission_suggestions":{s}}}"#)
                .as_bytes(),
        )
        .unwrap()
    }

    /// Runs the real wait on `events` (then the deadline) and gives what the hook prints.
    fn hook_output(id: RequestId, always: bool, events: Vec<(Seen, u64)>) -> Option<String> {
        let mut rq = PendingRequest::new(id, WINDOW, always);
        let mut events = events.into_iter();
        let ended = wait(&mut rq, &secret(), || {
            events
                .next()
                .map(|(s, t)| (s, Duration::from_secs(t)))
                .unwrap_or((Seen::Nothing, WINDOW))
        });
        printed(&ended, &ask(always))
    }

    fn is_allow(out: &Option<String>) -> bool {
        out.as_deref()
            .is_some_and(|o| o.contains(r#""behavior":"allow""#))
    }

    #[test]
    fn a_valid_phone_answer_prints_its_decision_and_nothing_else_prints_anything() {
        let id = RequestId::from_bytes([3; 12]);
        let token = |d| answer_token(&secret(), &id, d).into_bytes();
        let allow = hook_output(id, false, vec![(Seen::Answer(token(Decision::Allow)), 3)]);
        assert!(is_allow(&allow), "{allow:?}");
        let deny = hook_output(id, false, vec![(Seen::Answer(token(Decision::Deny)), 3)]);
        assert!(deny.unwrap().contains(DENY_MESSAGE));
        assert_eq!(hook_output(id, false, vec![]), None, "timeout");
        assert_eq!(
            hook_output(
                id,
                false,
                vec![
                    (Seen::ChannelLost, 1),
                    (Seen::Answer(token(Decision::Allow)), 2)
                ]
            ),
            None
        );
        assert_eq!(
            hook_output(
                id,
                false,
                vec![
                    (Seen::AnsweredLocally, 1),
                    (Seen::Answer(token(Decision::Allow)), 2)
                ]
            ),
            None
        );
    }

    fn hostile(id: RequestId) -> impl Strategy<Value = (Seen, u64)> {
        let t = 0u64..200;
        let d = proptest::sample::select(Decision::ALL.to_vec());
        prop_oneof![
            (proptest::collection::vec(any::<u8>(), 0..80), t.clone())
                .prop_map(|(b, t)| (Seen::Answer(b), t)),
            (any::<[u8; 12]>(), d.clone(), t.clone()).prop_filter_map(
                "another id",
                move |(o, d, t)| {
                    let other = RequestId::from_bytes(o);
                    (other != id).then(|| {
                        (
                            Seen::Answer(answer_token(&secret(), &other, d).into_bytes()),
                            t,
                        )
                    })
                }
            ),
            (any::<[u8; 32]>(), d.clone(), t.clone()).prop_filter_map(
                "another secret",
                move |(k, d, t)| {
                    let s = InstallSecret::from_hex(
                        &k.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                    )?;
                    (s != secret())
                        .then(|| (Seen::Answer(answer_token(&s, &id, d).into_bytes()), t))
                }
            ),
            (d, 0usize..62, any::<u8>(), t.clone()).prop_map(move |(d, pos, byte, t)| {
                let mut b = answer_token(&secret(), &id, d).into_bytes();
                b[pos] = if b[pos] == byte { byte ^ 1 } else { byte };
                (Seen::Answer(b), t)
            }),
            t.clone().prop_map(|t| (Seen::Nothing, t)),
            t.clone().prop_map(|t| (Seen::AnsweredLocally, t)),
            t.prop_map(|t| (Seen::ChannelLost, t)),
        ]
    }

    proptest! {
        /// Whatever arrives without a valid MAC for this request — noise, other requests'
        /// answers, other secrets, tampered tokens, local answers, lost channels, time — the
        /// hook never prints an allow.
        #[test]
        fn the_hook_never_prints_allow_without_a_valid_mac_for_this_request(
            (id, events) in any::<[u8; 12]>().prop_map(RequestId::from_bytes).prop_flat_map(|id| {
                (Just(id), proptest::collection::vec(hostile(id), 0..40))
            }),
            always in any::<bool>(),
        ) {
            let out = hook_output(id, always, events);
            prop_assert!(!is_allow(&out), "printed {:?}", out);
        }

        /// A valid answer decides only when it comes first among deciding events and in time.
        #[test]
        fn a_valid_answer_after_a_local_answer_or_the_deadline_prints_nothing(
            late in 120u64..500,
        ) {
            let id = RequestId::from_bytes([9; 12]);
            let token = answer_token(&secret(), &id, Decision::Allow).into_bytes();
            prop_assert_eq!(hook_output(id, false, vec![(Seen::Answer(token.clone()), late)]), None);
            prop_assert_eq!(
                hook_output(id, false, vec![(Seen::AnsweredLocally, 1), (Seen::Answer(token), 2)]),
                None
            );
        }
    }

    #[test]
    fn the_permission_fields_are_kept_only_with_approvals_on_and_the_switch_is_read_once() {
        let doc = br#"{"session_id":"s","hook_event_name":"PermissionRequest","tool_name":"Bash","tool_input":{"command":"ls"},"permission_suggestions":[]}"#;
        let asked = std::cell::Cell::new(0);
        let on = read_document_if(None, &doc[..], || {
            asked.set(asked.get() + 1);
            true
        })
        .unwrap();
        assert_eq!(asked.get(), 1);
        assert_eq!(PermissionAsk::parse(&on).unwrap().what(), "ls");
        let off = read_document_if(None, &doc[..], || false).unwrap();
        assert!(PermissionAsk::parse(&off).unwrap().tool_input.is_null());
        let stop = br#"{"session_id":"s","hook_event_name":"Stop"}"#;
        read_document_if(None, &stop[..], || {
            panic!("asked without a permission field")
        })
        .unwrap();
    }

    #[test]
    fn a_later_event_that_ends_the_request_removes_its_marker_and_others_do_not() {
        let root = tempfile::tempdir().unwrap();
        let dir = StateDir::open(root.path().join("state")).unwrap();
        let id = RequestId::from_bytes([1; 12]);
        let marker = Marker::create(dir.path(), "s/1", &id, "Bash").unwrap();
        let ev = |kind| Event::new(cc_notify_core::event::Agent::Claude, "E", "s/1", kind);
        note_later_event(
            &dir,
            &ev(EventKind::ToolSucceeded {
                tool_name: "Read".into(),
            }),
            b"{}",
        );
        assert!(marker.still_ours());
        note_later_event(
            &dir,
            &ev(EventKind::ToolSucceeded {
                tool_name: "Bash".into(),
            }),
            b"{}",
        );
        assert!(!marker.still_ours());
    }

    #[test]
    fn the_install_secret_is_made_once_private_and_never_through_a_symlink() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let a = install_secret(root.path()).unwrap();
        assert_eq!(install_secret(root.path()).unwrap(), a);
        let mode = std::fs::metadata(root.path().join(SECRET_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0);
        let other = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            root.path().join(SECRET_FILE),
            other.path().join(SECRET_FILE),
        )
        .unwrap();
        assert!(install_secret(other.path()).is_err());
    }
}
