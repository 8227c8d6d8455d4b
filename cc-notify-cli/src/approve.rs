//! Permission dialogs answered from the phone (`[approvals]`), fail-safe.
//!
//! For a `PermissionRequest` with approvals on, the hook decides at once whether the user is
//! away (tmux, the terminal's last input; unsure counts as present) and otherwise abstains —
//! prints nothing, costs what the hook costs. When away it publishes the exact tool, command
//! or path and the project (redacted like every push) to ntfy with buttons, each of which
//! posts `<d>.<request id>.<mac>` to a response topic this process subscribed to first; then it
//! waits, bounded by `[approvals] timeout`, for an answer that core's
//! [`PendingRequest`] accepts (request-bound, MAC-verified, first and timely). Only then does
//! it print a decision. Everything else — timeout, an error, a lost connection, a local
//! answer at the keyboard (a later event of the session, or Claude Code's sessions registry
//! leaving `waiting`) — prints nothing and exits 0, so the local dialog stays exactly as if
//! cc-notify were not installed; the phone prompt is then withdrawn.
//!
//! A later hook event of the session ends the wait through a marker file per session in the
//! state directory (`approvals/<session>.pending`): the waiting process owns it, and the
//! hook run of an event that ends the request (core's [`ends_request`]) removes it.

use std::cell::OnceCell;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use cc_notify_backends::Timeouts;
use cc_notify_backends::ntfy::{Action, Message, Ntfy};
use cc_notify_core::agent::select;
use cc_notify_core::approval::{
    AbstainReason, Decision, InstallSecret, PendingRequest, RequestId, Step, answer_token,
};
use cc_notify_core::event::{Agent, Event, EventKind};
use cc_notify_core::permission::{self, PermissionAsk, Presence, ends_request};
use cc_notify_core::store::{StateDir, session_file_stem};
use cc_notify_core::{ActivityProbe, DecisionKind, Reading, redact, tty};
use cc_notify_presence::sessions::ClaudeSessionProbe;
use cc_notify_presence::tmux::TmuxProbe;

use crate::config::approvals::Via;
use crate::runtime::{self, Runtime};

/// The file in the state directory holding the install secret that MACs answers.
pub const SECRET_FILE: &str = "approval.key";
/// The directory in the state directory holding one marker per waiting request.
const PENDING_DIR: &str = "approvals";
/// How often the wait looks for a local answer.
const POLL: Duration = Duration::from_millis(200);
/// What the agent is told when the phone denies.
pub const DENY_MESSAGE: &str = "Denied from the phone (cc-notify).";
/// Appended to the ntfy topic to name the response topic the buttons post to.
pub const RESPONSE_SUFFIX: &str = "-resp";
/// Bounds of the requests made while Claude Code waits for the hook's answer.
const QUICK: Timeouts = Timeouts {
    connect: Duration::from_secs(3),
    read: Duration::from_secs(5),
};

/// The security model, as `doctor` states it.
pub const SECURITY_MODEL: &str = "Phone approvals: a permission dialog is offered to your \
phone only while you are away, with the exact command or path (redacted). Each button carries \
an HMAC-SHA256 over (a fresh random request id, its decision) keyed with a secret that never \
leaves this machine (approval.key in the state directory, 0600) except as those MACs; the hook \
accepts only the first valid answer for that request within the window, so a guessed topic, a \
forged, replayed, late or mismatched answer changes nothing. It never allows on its own: on a \
timeout, an error, any doubt or an answer at the keyboard it prints nothing and Claude Code's \
own dialog stays. Anyone who can read this state directory, or holds your unlocked phone, can \
approve. The buttons carry your ntfy token, so whoever can read the prompt topic sees it (and \
the commands): use a private topic on a server that requires tokens, and give that token only \
what approvals need.";

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
        Via::Telegram => lines.push((
            false,
            "[approvals] via = \"telegram\" cannot carry answers yet: dialogs stay at the keyboard".into(),
        )),
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

/// The hook's reader: [`select::read_document`], plus the fields of a permission request
/// ([`permission::FIELDS`]) when approvals are on. The config is looked at only when the
/// document has such a field (tool events), and parsed only when it mentions approvals.
/// With approvals on, a tool event's input is kept in memory (it is the size Claude Code
/// sent); with them off nothing more is kept.
///
/// `agent` is the agent the hook was registered for (`None`: detected from the document);
/// only Claude Code's permission dialogs are answered from the phone.
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
    let approvals = matches!(agent, None | Some(Agent::Claude));
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

/// The hook's one entry point: for a `PermissionRequest` with approvals on, runs the whole
/// approval (printing a decision only for a valid phone answer) and gives `true` — the hook
/// does nothing more; for any other event of a session with a waiting request that the event
/// ends, removes the request's marker. `doc` is the hook document as read.
pub fn dispatch(dir: &StateDir, rt: &Runtime, event: &Event, doc: &[u8]) -> bool {
    // Only Claude Code's dialogs: the answer printed is in its format.
    if !rt.config.approvals.enabled || event.agent != Agent::Claude {
        return false;
    }
    if !matches!(event.kind, EventKind::PermissionAsked { .. }) {
        note_later_event(dir, event);
        return false;
    }
    if let Some(json) = approve(dir, rt, event, doc) {
        let mut out = io::stdout().lock();
        let _ = out.write_all(json.as_bytes());
        let _ = out.flush();
    }
    true
}

/// Runs one approval; the JSON to print, only for a valid phone answer.
fn approve(dir: &StateDir, rt: &Runtime, event: &Event, doc: &[u8]) -> Option<String> {
    let log = |kind: DecisionKind, why: String| runtime::log_event(dir, event, kind, None, why);
    let abstain = |why: &str| {
        log(
            DecisionKind::Suppressed,
            format!("permission dialog left to the keyboard: {why}"),
        );
        None
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
    if rt.config.approvals.via != Via::Ntfy {
        return abstain("only ntfy can carry an answer back so far");
    }
    let ntfy = match Ntfy::from_config(&rt.config.ntfy) {
        Ok(n) => n.with_timeouts(QUICK),
        Err(e) => return abstain(&format!("[ntfy] is not usable: {e}")),
    };
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
    let response_topic = format!("{}{RESPONSE_SUFFIX}", ntfy.topic());
    let since = runtime::now_ms() / 1000;
    let answers = listen(ntfy.clone(), response_topic, since);
    // Publish only once the subscription is live, so no tap can be missed.
    match answers.recv_timeout(QUICK.connect + QUICK.read) {
        Ok(Heard::Open) => {}
        Ok(Heard::Lost(why)) => return abstain(&format!("cannot subscribe to the answers: {why}")),
        _ => return abstain("the answer channel did not open in time"),
    }
    // Its first look at the registry is taken before the phone can be asked.
    let mut local = LocalAnswer::new(marker, &event.session_id);
    let always = ask.always_offered();
    let prompt = prompt(&ntfy, rt, event, &ask, &secret, &id, always);
    let prompt_id = match ntfy.publish(&prompt) {
        Ok(receipt) => receipt.request_id.unwrap_or_default(),
        Err(e) => return abstain(&format!("cannot send the approval request: {e}")),
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
        let seen = match answers.recv_timeout(POLL) {
            Ok(Heard::Answer(body)) => Seen::Answer(body),
            Ok(Heard::Open) | Err(mpsc::RecvTimeoutError::Timeout) => Seen::Nothing,
            Ok(Heard::Lost(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => Seen::ChannelLost,
        };
        let seen = match seen {
            Seen::Nothing | Seen::Answer(_) if local.answered() => Seen::AnsweredLocally,
            other => other,
        };
        (seen, start.elapsed())
    });
    drop(local);
    let printed = printed(&ended, &ask);
    let why = match ended {
        Ended::Decided(d) => {
            log(
                DecisionKind::Fired,
                format!("the phone answered {d:?} for {}", ask.tool_name),
            );
            None
        }
        Ended::Abstained(why) => Some(why),
    };
    withdraw(&ntfy, &prompt_id, why);
    if let Some(why) = why {
        log(
            DecisionKind::Cancelled,
            format!("permission dialog left to the keyboard: {why}"),
        );
    }
    printed
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

/// The approval request: title with the project and the tool, the exact command or path,
/// and the buttons, each posting its answer token to the response topic.
fn prompt(
    ntfy: &Ntfy,
    rt: &Runtime,
    event: &Event,
    ask: &PermissionAsk,
    secret: &InstallSecret,
    id: &RequestId,
    always: bool,
) -> Message {
    let clean = |s: &str| {
        if rt.engine.redact {
            redact::redact(s).into_owned()
        } else {
            s.to_owned()
        }
    };
    let project = std::env::var_os("CLAUDE_PROJECT_DIR")
        .map(PathBuf::from)
        .or_else(|| event.cwd.clone())
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "claude".into());
    let mut what = clean(&ask.what());
    if what.len() > 3000 {
        let mut cut = 3000;
        while !what.is_char_boundary(cut) {
            cut -= 1;
        }
        what.truncate(cut);
        what.push('…');
    }
    let secs = rt.config.approvals.timeout.as_secs();
    let url = format!("{}/{}{RESPONSE_SUFFIX}", ntfy.url(), ntfy.topic());
    let headers: Vec<(String, String)> = ntfy
        .authorization()
        .map(|a| ("Authorization".to_owned(), a))
        .into_iter()
        .collect();
    let button = |label: &str, d: Decision| Action::Http {
        label: label.into(),
        url: url.clone(),
        method: "POST".into(),
        headers: headers.clone(),
        body: answer_token(secret, id, d),
        clear: true,
    };
    let mut actions = vec![button("Allow", Decision::Allow)];
    if always {
        actions.push(button("Always allow", Decision::AlwaysAllow));
    }
    actions.push(button("Deny", Decision::Deny));
    Message {
        topic: ntfy.topic().to_owned(),
        title: clean(&format!("{project}: {} needs approval", ask.tool_name)),
        message: format!(
            "{what}\n\nAnswer within {secs} s; otherwise the dialog waits at the keyboard."
        ),
        priority: 4,
        tags: vec!["lock".into(), "needs_input".into()],
        click: None,
        actions,
    }
}

/// What the subscription thread hears.
enum Heard {
    /// The server accepted the subscription.
    Open,
    /// A message's text on the response topic.
    Answer(Vec<u8>),
    /// The subscription failed or ended.
    Lost(String),
}

/// Subscribes to `topic` (replaying from `since`, Unix seconds) on a thread, which reports
/// [`Heard::Open`] once the server answered, then each message, then [`Heard::Lost`]. The
/// thread is never joined: the process exits when the wait ends.
fn listen(ntfy: Ntfy, topic: String, since: u64) -> mpsc::Receiver<Heard> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut sub = match ntfy.subscribe(&topic, &since.to_string()) {
            Ok(sub) => sub,
            Err(e) => {
                let _ = tx.send(Heard::Lost(e.to_string()));
                return;
            }
        };
        if tx.send(Heard::Open).is_err() {
            return;
        }
        loop {
            let heard = match sub.next_event() {
                Ok(Some(e)) if e.event == "message" => Heard::Answer(e.message.into_bytes()),
                Ok(Some(_)) => continue,
                Ok(None) => Heard::Lost("the server closed the subscription".into()),
                Err(e) => Heard::Lost(e.to_string()),
            };
            let lost = matches!(heard, Heard::Lost(_));
            if tx.send(heard).is_err() || lost {
                return;
            }
        }
    });
    rx
}

/// Takes the prompt off the phone: deletes it, or — on a server that cannot — says why it
/// no longer counts. Nothing for a phone decision (its button already cleared it).
fn withdraw(ntfy: &Ntfy, prompt_id: &str, why: Option<&str>) {
    let Some(why) = why else { return };
    if ntfy.delete(ntfy.topic(), prompt_id).is_ok() {
        return;
    }
    let note = Message {
        topic: ntfy.topic().to_owned(),
        title: "Approval withdrawn".into(),
        message: format!("No longer waiting: {why}."),
        priority: 2,
        tags: vec!["heavy_check_mark".into()],
        click: None,
        actions: Vec::new(),
    };
    let _ = ntfy.publish(&note);
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
                return Ended::Abstained("answered at the keyboard");
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

/// The per-install secret: read from the state directory, or made and stored there (0600,
/// created exclusively, never through a symlink).
fn install_secret(state: &Path) -> io::Result<InstallSecret> {
    let path = state.join(SECRET_FILE);
    let read = |path: &Path| -> io::Result<InstallSecret> {
        let mut text = String::new();
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)?
            .take(256)
            .read_to_string(&mut text)?;
        InstallSecret::from_hex(&text)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "the key file is damaged"))
    };
    match read(&path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        other => return other,
    }
    let secret = InstallSecret::generate().map_err(io::Error::other)?;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
    {
        Ok(mut f) => {
            f.write_all(secret.to_hex().as_bytes())?;
            f.sync_all()?;
            Ok(secret)
        }
        // Another hook made it first: use theirs.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => read(&path),
        Err(e) => Err(e),
    }
}

/// The marker of a waiting request: `approvals/<session>.pending` holding
/// `<request id>\t<tool name>`.
struct Marker {
    path: PathBuf,
    content: String,
}

fn marker_path(state: &Path, session_id: &str) -> PathBuf {
    state
        .join(PENDING_DIR)
        .join(format!("{}.pending", session_file_stem(session_id)))
}

impl Marker {
    fn create(state: &Path, session_id: &str, id: &RequestId, tool: &str) -> io::Result<Marker> {
        let dir = state.join(PENDING_DIR);
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
        if !std::fs::symlink_metadata(&dir)?.is_dir() {
            return Err(io::Error::other("approvals is not a directory"));
        }
        let path = marker_path(state, session_id);
        let content = format!("{id}\t{tool}");
        let _ = std::fs::remove_file(&path);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)?;
        f.write_all(content.as_bytes())?;
        Ok(Marker { path, content })
    }

    /// Still this request's: the file exists and names it (a newer request replaces it).
    fn still_ours(&self) -> bool {
        read_small(&self.path).is_some_and(|c| c == self.content)
    }
}

impl Drop for Marker {
    /// The request is over, however it ended: the marker goes (unless a newer one replaced it).
    fn drop(&mut self) {
        if self.still_ours() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn read_small(path: &Path) -> Option<String> {
    let mut text = String::new();
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .ok()?
        .take(1024)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// For an event other than `PermissionRequest`: when the session has a waiting request that
/// the event ends ([`ends_request`]), removes its marker — the waiting process sees that and
/// withdraws. One failed `open` when nothing waits.
fn note_later_event(dir: &StateDir, event: &Event) {
    let path = marker_path(dir.path(), &event.session_id);
    let Some(content) = read_small(&path) else {
        return;
    };
    let tool = content.split_once('\t').map_or("", |(_, t)| t);
    if ends_request(event, tool) {
        let _ = std::fs::remove_file(&path);
    }
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
        );
        assert!(marker.still_ours());
        note_later_event(
            &dir,
            &ev(EventKind::ToolSucceeded {
                tool_name: "Bash".into(),
            }),
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
