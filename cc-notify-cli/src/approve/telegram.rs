//! Approvals through Telegram inline buttons (`[approvals] via = "telegram"`).
//!
//! The prompt is a `sendMessage` to the configured private chat with one row of buttons
//! (Allow, Always allow only when the agent suggested a rule, Deny), each carrying its answer
//! token (`<d>.<request id>.<mac>`, 62 bytes: the full MAC fits in the 64-byte
//! `callback_data`) as its `callback_data`.
//!
//! **One poller per bot.** Telegram lets one `getUpdates` run per bot (a second gets 409), and
//! several hook processes may wait at once (parallel sessions). So every waiter, each time it
//! looks for an answer, *tries* to take a lock file (`approvals/telegram/poll.lock`); the one
//! that gets it makes one short long-poll with the shared offset (`approvals/telegram/offset`,
//! written before the lock is released, so the next poller — any process — confirms exactly
//! what was read) and routes each tap: its own go to its wait; another waiting request's are
//! appended to that request's inbox (`approvals/telegram/<request id>.taps`, which exists only
//! while its waiter does); taps for no waiting request, from another user or chat, or not in
//! cc-notify's form are answered ("no longer waiting", "not yours") and dropped. The others
//! read their inbox meanwhile. A waiter that exits releases the lock with its process, so
//! there is no poller to elect or hand over. A 409 (someone else polls this bot, or a webhook
//! is set) is an error of the channel, never an answer: the waiter keeps trying until its
//! window ends, then leaves the dialog to the keyboard.
//!
//! Only taps from the configured chat, by that same user (`callback_query.from.id` =
//! `message.chat.id` = `chat_id`), reach a wait; there core's
//! [`PendingRequest`](cc_notify_core::approval::PendingRequest) checks the request id and the
//! MAC. Each tap is answered (`answerCallbackQuery`) as soon as its fate is known, and when
//! the request ends the message is edited to drop the buttons and say what happened —
//! including "answered at the keyboard" (a Telegram message cannot be withdrawn as an ntfy
//! one can).

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use cc_notify_backends::{Telegram, Timeouts};
use cc_notify_core::NotifyError;
use cc_notify_core::approval::{
    Decision, InstallSecret, RequestId, answer_request_id, answer_token,
};
use cc_notify_core::store::nofollow;
use serde_json::{Value, json};

use super::{Channel, Ended, POLL, Seen, Shown};
use crate::runtime::Runtime;

/// The directory (under the approvals directory) shared by the Telegram waiters.
const DIR: &str = "telegram";
/// Seconds each `getUpdates` waits for a tap: short, so the poller also sees a local answer
/// soon and another waiter can take over the moment this one exits.
const LONG_POLL_SECS: u64 = 1;
/// Bounds of the Bot API calls: the read bound is above the long poll.
const TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(3),
    read: Duration::from_secs(LONG_POLL_SECS + 5),
};

/// One tap that reached a waiter: the query to answer and its button's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tap {
    query: String,
    data: String,
}

/// What one update means for the waiters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Routed {
    /// A tap by the configured user in the configured chat, naming this request.
    For(RequestId, Tap),
    /// A tap that no request may take: answer it with this text and drop it.
    Refuse(String, &'static str),
    /// Not a tap.
    Skip,
}

/// Routes one `getUpdates` result entry: only the user of the private chat `chat` may answer,
/// and only with data in cc-notify's form (whose MAC the waiter then checks).
pub(crate) fn route(update: &Value, chat: i64) -> Routed {
    let Some(q) = update.get("callback_query") else {
        return Routed::Skip;
    };
    let Some(query) = q.get("id").and_then(Value::as_str) else {
        return Routed::Skip;
    };
    let from = q.pointer("/from/id").and_then(Value::as_i64);
    let in_chat = q.pointer("/message/chat/id").and_then(Value::as_i64);
    if from != Some(chat) || in_chat != Some(chat) {
        return Routed::Refuse(query.to_owned(), "Not yours to answer.");
    }
    let data = q.get("data").and_then(Value::as_str).unwrap_or_default();
    match answer_request_id(data.as_bytes()) {
        Some(id) => Routed::For(
            id,
            Tap {
                query: query.to_owned(),
                data: data.to_owned(),
            },
        ),
        None => Routed::Refuse(query.to_owned(), "Not a cc-notify answer."),
    }
}

/// The private chat approvals go to: `[telegram] chat_id` as a user id (positive), so that the
/// one who taps can be checked to be that user.
fn private_chat(rt: &Runtime) -> Result<i64, String> {
    rt.config
        .telegram
        .chat_id
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|c| *c > 0)
        .ok_or_else(|| {
            "[telegram] chat_id must be your own numeric user id (a private chat with the bot) \
             for approvals"
                .to_owned()
        })
}

/// Why Telegram cannot carry approvals with this config, for `doctor`; `None` when it can.
pub(crate) fn unusable(rt_config: &crate::config::Config) -> Option<String> {
    if let Err(e) = Telegram::from_config(&rt_config.telegram) {
        return Some(format!("phone approvals need Telegram: {e}"));
    }
    let chat = rt_config.telegram.chat_id.trim().parse::<i64>();
    (!chat.is_ok_and(|c| c > 0)).then(|| {
        "phone approvals via Telegram need [telegram] chat_id to be your numeric user id (a \
         private chat with the bot); groups and channels cannot tell who tapped"
            .to_owned()
    })
}

/// The Telegram side of one approval request.
pub(crate) struct TelegramChannel {
    tg: Telegram,
    chat: i64,
    dir: PathBuf,
    id: RequestId,
    inbox: Inbox,
    mine: VecDeque<Tap>,
    /// The tap handed to the wait last, not answered yet: if the wait goes on, it was refused.
    pending: Option<Tap>,
    message_id: i64,
    text: String,
    /// The last channel error, for the log.
    trouble: Option<String>,
}

impl TelegramChannel {
    /// Sends the prompt with its buttons; the channel to wait on. `state` is the state
    /// directory; `approvals` its approvals directory.
    pub(crate) fn open(
        approvals: &Path,
        rt: &Runtime,
        secret: &InstallSecret,
        id: &RequestId,
        always: bool,
        shown: &Shown,
    ) -> Result<TelegramChannel, String> {
        let tg = Telegram::from_config(&rt.config.telegram)
            .map_err(|e| format!("[telegram] is not usable: {e}"))?
            .with_timeouts(TIMEOUTS);
        let chat = private_chat(rt)?;
        let dir = approvals.join(DIR);
        make_private_dir(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
        let inbox =
            Inbox::create(&dir, id).map_err(|e| format!("cannot record the request: {e}"))?;
        let button = |label: &str, d: Decision| json!({"text": label, "callback_data": answer_token(secret, id, d)});
        let mut row = vec![button("Allow", Decision::Allow)];
        if always {
            row.push(button("Always allow", Decision::AlwaysAllow));
        }
        row.push(button("Deny", Decision::Deny));
        let text = format!(
            "{}\n\n{}\n\nNo answer within {} s leaves the dialog to the keyboard.",
            shown.title, shown.what, shown.window_secs
        );
        let sent = tg
            .call(
                "sendMessage",
                &json!({"chat_id": chat, "text": text,
                        "reply_markup": {"inline_keyboard": [row]}}),
            )
            .map_err(|e| format!("cannot send the approval request: {e}"))?;
        let message_id = sent
            .get("message_id")
            .and_then(Value::as_i64)
            .ok_or("Telegram sent no message id")?;
        Ok(TelegramChannel {
            tg,
            chat,
            dir,
            id: *id,
            inbox,
            mine: VecDeque::new(),
            pending: None,
            message_id,
            text,
            trouble: None,
        })
    }

    fn answer_query(&self, query: &str, text: &str) {
        let _ = self.tg.call(
            "answerCallbackQuery",
            &json!({"callback_query_id": query, "text": text}),
        );
    }

    fn take_tap(&mut self) -> Option<Tap> {
        if let Some(t) = self.mine.pop_front() {
            return Some(t);
        }
        self.mine.extend(self.inbox.read_new());
        self.mine.pop_front()
    }

    /// One `getUpdates` if no other waiter is polling: `Ok(true)` when this one polled.
    fn poll_once(&mut self) -> Result<bool, NotifyError> {
        let Some(_lock) = try_lock(&self.dir.join("poll.lock")) else {
            return Ok(false);
        };
        let offset_file = self.dir.join("offset");
        let offset = super::read_small(&offset_file).and_then(|t| t.trim().parse::<i64>().ok());
        let mut body = json!({"timeout": LONG_POLL_SECS, "allowed_updates": ["callback_query"]});
        if let Some(o) = offset {
            body["offset"] = json!(o);
        }
        let result = self.tg.call("getUpdates", &body)?;
        let updates = result.as_array().cloned().unwrap_or_default();
        let mut next = None;
        for u in &updates {
            if let Some(uid) = u.get("update_id").and_then(Value::as_i64) {
                next = next.max(Some(uid + 1));
            }
            match route(u, self.chat) {
                Routed::For(id, tap) if id == self.id => self.mine.push_back(tap),
                Routed::For(id, tap) => {
                    if Inbox::deliver(&self.dir, &id, &tap).is_err() {
                        self.answer_query(&tap.query, "This request is no longer waiting.");
                    }
                }
                Routed::Refuse(query, why) => self.answer_query(&query, why),
                Routed::Skip => {}
            }
        }
        if let Some(next) = next {
            let _ = super::files::write_new(&offset_file, next.to_string().as_bytes());
        }
        Ok(true)
    }
}

impl Channel for TelegramChannel {
    fn next(&mut self) -> Seen {
        // The wait went on after the last tap: it was not accepted.
        if let Some(t) = self.pending.take() {
            self.answer_query(
                &t.query,
                "Not accepted: not a valid answer to this request.",
            );
        }
        let polled = if self.mine.is_empty() {
            match self.poll_once() {
                Ok(polled) => polled,
                // A conflict (another poller of this bot, or a webhook) or a passing failure:
                // never an answer, keep trying within the window.
                Err(e)
                    if !e.is_permanent()
                        || matches!(
                            e,
                            NotifyError::Rejected {
                                status: Some(409),
                                ..
                            }
                        ) =>
                {
                    self.trouble = Some(e.to_string());
                    false
                }
                Err(e) => {
                    self.trouble = Some(e.to_string());
                    return Seen::ChannelLost;
                }
            }
        } else {
            true
        };
        if let Some(t) = self.take_tap() {
            self.pending = Some(t.clone());
            return Seen::Answer(t.data.into_bytes());
        }
        if !polled {
            std::thread::sleep(POLL);
        }
        Seen::Nothing
    }

    fn finish(&mut self, ended: &Ended) {
        let (tap_text, outcome) = match ended {
            Ended::Decided(Decision::Allow) => {
                ("Allowed.", "✅ Allowed from the phone.".to_owned())
            }
            Ended::Decided(Decision::AlwaysAllow) => (
                "Always allowed.",
                "✅ Always allowed from the phone (the suggested rule was applied).".to_owned(),
            ),
            Ended::Decided(Decision::Deny) => ("Denied.", "⛔ Denied from the phone.".to_owned()),
            Ended::Abstained(why) if *why == super::ANSWERED_LOCALLY => (
                "Too late: answered at the keyboard.",
                "⌨️ Answered at the keyboard.".to_owned(),
            ),
            Ended::Abstained(why) => (
                "Too late: no longer waiting.",
                format!("⌛ No longer waiting ({why}): the dialog is left to the keyboard."),
            ),
        };
        if let Some(t) = self.pending.take() {
            self.answer_query(&t.query, tap_text);
        }
        let _ = self.tg.call(
            "editMessageText",
            &json!({"chat_id": self.chat, "message_id": self.message_id,
                    "text": format!("{}\n\n{outcome}", self.text)}),
        );
    }
    fn trouble(&self) -> Option<&str> {
        self.trouble.as_deref()
    }
}

/// A private directory (0700), never a symlink.
fn make_private_dir(dir: &Path) -> io::Result<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => return Err(e),
        _ => {}
    }
    if std::fs::symlink_metadata(dir)?.is_dir() {
        Ok(())
    } else {
        Err(io::Error::other("not a directory"))
    }
}

/// Takes `path`'s lock without waiting; `None` when another process holds it (or the file
/// cannot be opened: then this process does not poll, and its window ends in an abstention
/// unless another waiter polls).
fn try_lock(path: &Path) -> Option<File> {
    let f = nofollow()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .ok()?;
    f.try_lock().ok()?;
    Some(f)
}

/// A waiting request's inbox: the taps another waiter's poll read for it, one
/// `<query id>\t<data>` line each. It exists exactly while its waiter waits.
struct Inbox {
    path: PathBuf,
    file: File,
    read: u64,
}

impl Inbox {
    fn path(dir: &Path, id: &RequestId) -> PathBuf {
        dir.join(format!("{id}.taps"))
    }

    fn create(dir: &Path, id: &RequestId) -> io::Result<Inbox> {
        let path = Inbox::path(dir, id);
        let file = nofollow()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(Inbox {
            path,
            file,
            read: 0,
        })
    }

    /// Appends `tap` to the inbox of request `id`; an error when nobody waits for it.
    fn deliver(dir: &Path, id: &RequestId, tap: &Tap) -> io::Result<()> {
        let clean = |s: &str| !s.is_empty() && !s.contains(['\t', '\n', '\r']);
        if !clean(&tap.query) || !clean(&tap.data) {
            return Err(io::Error::other("malformed tap"));
        }
        let mut f = OpenOptions::new()
            .append(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(Inbox::path(dir, id))?;
        // One write of one short line: appended whole.
        f.write_all(format!("{}\t{}\n", tap.query, tap.data).as_bytes())
    }

    /// The complete lines appended since the last read.
    fn read_new(&mut self) -> Vec<Tap> {
        let mut text = String::new();
        if self.file.seek(SeekFrom::Start(self.read)).is_err()
            || (&self.file)
                .take(64 * 1024)
                .read_to_string(&mut text)
                .is_err()
        {
            return Vec::new();
        }
        let Some(end) = text.rfind('\n') else {
            return Vec::new();
        };
        self.read += end as u64 + 1;
        text[..end]
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(q, d)| Tap {
                query: q.to_owned(),
                data: d.to_owned(),
            })
            .collect()
    }
}

impl Drop for Inbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn update(from: i64, chat: i64, data: &str) -> Value {
        json!({"update_id": 1, "callback_query": {"id": "q1", "from": {"id": from},
            "message": {"message_id": 5, "chat": {"id": chat}}, "data": data}})
    }

    #[test]
    fn only_the_configured_user_in_the_configured_chat_reaches_a_wait() {
        let secret = InstallSecret::from_hex(&"cd".repeat(32)).unwrap();
        let id = RequestId::from_bytes([4; 12]);
        let token = answer_token(&secret, &id, Decision::Allow);
        assert!(matches!(route(&update(7, 7, &token), 7), Routed::For(i, _) if i == id));
        assert!(matches!(
            route(&update(8, 7, &token), 7),
            Routed::Refuse(..)
        ));
        assert!(matches!(
            route(&update(7, 8, &token), 7),
            Routed::Refuse(..)
        ));
        assert!(matches!(
            route(&update(7, 7, "allow"), 7),
            Routed::Refuse(..)
        ));
        assert_eq!(
            route(&json!({"update_id": 2, "message": {}}), 7),
            Routed::Skip
        );
    }

    #[test]
    fn an_inbox_takes_taps_only_while_its_waiter_waits() {
        let root = tempfile::tempdir().unwrap();
        let id = RequestId::from_bytes([5; 12]);
        let tap = Tap {
            query: "q".into(),
            data: "y.x.y".into(),
        };
        assert!(Inbox::deliver(root.path(), &id, &tap).is_err());
        let mut inbox = Inbox::create(root.path(), &id).unwrap();
        Inbox::deliver(root.path(), &id, &tap).unwrap();
        assert_eq!(inbox.read_new(), std::slice::from_ref(&tap));
        assert_eq!(inbox.read_new(), []);
        drop(inbox);
        assert!(Inbox::deliver(root.path(), &id, &tap).is_err());
    }

    mod hostile_taps {
        use super::*;
        use crate::approve::{Ended, Seen, printed, wait};
        use cc_notify_core::approval::PendingRequest;
        use cc_notify_core::permission::PermissionAsk;
        use proptest::prelude::*;

        const USER: i64 = 4242;

        fn secret() -> InstallSecret {
            InstallSecret::from_hex(&"ab".repeat(32)).unwrap()
        }

        /// A tap no one should be able to approve with: this request's valid tokens only from
        /// someone else or another chat; otherwise other requests', other secrets', tampered
        /// or arbitrary data, from anyone.
        fn hostile(id: RequestId) -> impl Strategy<Value = Value> {
            let d = proptest::sample::select(Decision::ALL.to_vec());
            let anyone = prop_oneof![Just(USER), any::<i64>()];
            let data = prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..64)
                    .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
                (any::<[u8; 12]>(), d.clone()).prop_filter_map("another id", move |(o, d)| {
                    let other = RequestId::from_bytes(o);
                    (other != id).then(|| answer_token(&secret(), &other, d))
                }),
                (any::<[u8; 32]>(), d.clone()).prop_filter_map("another secret", move |(k, d)| {
                    let hex: String = k.iter().map(|b| format!("{b:02x}")).collect();
                    let s = InstallSecret::from_hex(&hex)?;
                    (s != secret()).then(|| answer_token(&s, &id, d))
                }),
                (d.clone(), 0usize..62, any::<u8>()).prop_filter_map(
                    "tampered",
                    move |(d, pos, byte)| {
                        let mut b = answer_token(&secret(), &id, d).into_bytes();
                        b[pos] = if b[pos] == byte { byte ^ 1 } else { byte };
                        String::from_utf8(b).ok()
                    }
                ),
            ];
            let valid_elsewhere = (d, any::<i64>(), any::<bool>()).prop_filter_map(
                "someone else",
                move |(d, who, in_chat)| {
                    (who != USER).then(|| {
                        let (from, chat) = if in_chat { (who, USER) } else { (USER, who) };
                        (from, chat, answer_token(&secret(), &id, d))
                    })
                },
            );
            prop_oneof![
                (anyone.clone(), anyone, data).prop_map(|(f, c, d)| (f, c, d)),
                valid_elsewhere,
            ]
            .prop_map(|(from, chat, data)| {
                json!({"update_id": 1, "callback_query": {"id": "q",
                    "from": {"id": from}, "message": {"message_id": 1, "chat": {"id": chat}},
                    "data": data}})
            })
        }

        proptest! {
            /// Whatever taps arrive through Telegram without a valid MAC for this request made
            /// by the configured user in that chat, the hook never prints an allow.
            #[test]
            fn no_tap_sequence_allows_without_the_users_valid_answer(
                (id, updates) in any::<[u8; 12]>().prop_map(RequestId::from_bytes)
                    .prop_flat_map(|id| (Just(id), proptest::collection::vec(hostile(id), 0..30))),
            ) {
                let ask = PermissionAsk::parse(
                    br#"{"tool_name":"Bash","tool_input":{"command":"ls"},"permission_suggestions":[{"destination":"session"}]}"#,
                ).unwrap();
                let mut rq = PendingRequest::new(id, Duration::from_secs(120), true);
                let mut seen = updates.iter().map(|u| match route(u, USER) {
                    Routed::For(to, tap) if to == id => Seen::Answer(tap.data.into_bytes()),
                    _ => Seen::Nothing,
                });
                let ended = wait(&mut rq, &secret(), || match seen.next() {
                    Some(s) => (s, Duration::from_secs(1)),
                    None => (Seen::Nothing, Duration::from_secs(120)),
                });
                prop_assert!(matches!(ended, Ended::Abstained(_)), "{:?}", ended);
                prop_assert_eq!(printed(&ended, &ask), None);
            }
        }
    }
}
