//! Answers from the phone that cannot be forged, replayed or mistaken: the pure core of phone
//! approvals.
//!
//! **Threat model.** Whoever can read or write the response channel (an ntfy topic, a
//! Telegram chat's button data) — including a guessed or leaked topic, another request's
//! answer seen earlier, or a slow network delivering a tap late — must not be able to make
//! cc-notify approve anything. So:
//!
//! * Each approval request gets a fresh random [`RequestId`] (96 bits from the OS RNG).
//! * Each answer button carries a MAC: HMAC-SHA256, keyed with the per-install
//!   [`InstallSecret`] (256 bits from the OS RNG, kept in the state directory), over a
//!   domain-separated encoding of (request id, decision). The secret never leaves the machine;
//!   only the MACs do, inside the buttons the user can tap — a button's MAC authorises exactly
//!   that decision for exactly that request.
//! * [`PendingRequest::on_answer`] accepts an answer only if it parses, names this request's
//!   id, carries a MAC that verifies (in constant time, `ring::hmac::verify`) for its
//!   decision, arrives before the deadline, and the request is still open; "always" only when
//!   the request offered it. Everything else is ignored. The first valid answer closes the
//!   request, so a replay of it changes nothing.
//! * Nothing here allows on its own: a timeout, a local answer at the keyboard, or closing
//!   the request yields [`Step::Abstain`] — print nothing, leave the local dialog alone.
//!
//! What it does not defend against: someone who holds the install secret (that is, can read
//! the user's state directory) or the user's unlocked phone; a tapped answer seen in transit
//! can be used, but only for the request and decision it was made for, which the user chose.
//!
//! The wire form of an answer is `<d>.<request id>.<mac>`: `d` is `y` (allow), `a` (always
//! allow) or `n` (deny), the id and the MAC base64url without padding — 62 bytes, within
//! Telegram's 64-byte `callback_data`. The MAC is therefore **not truncated**, on ntfy or on
//! Telegram: the full 256-bit tag fits in a button (1 + 1 + 16 + 1 + 43 bytes), so a forger's
//! chance per try stays 2⁻²⁵⁶ rather than the 2⁻¹²⁸ a 128-bit truncation (still far beyond
//! reach, given that each try must also reach the user's chat within the window) would give.
//!
//! Crypto comes from `ring` (already in the tree through rustls): one well-reviewed crate for
//! HMAC-SHA256, its constant-time verification, and the OS random source.

use std::fmt;
use std::time::Duration;

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// Bytes in a request id.
pub const ID_BYTES: usize = 12;
/// Bytes in the install secret.
pub const SECRET_BYTES: usize = 32;
/// Bytes in a MAC (the full HMAC-SHA256 tag).
pub const MAC_BYTES: usize = 32;
/// Separates these MACs from any other use of the secret.
const DOMAIN: &[u8] = b"cc-notify approval v1\0";

/// The OS random source failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the operating system's random source failed")]
pub struct RngError;

/// The per-install key that MACs answers. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct InstallSecret([u8; SECRET_BYTES]);

impl InstallSecret {
    /// A new secret from the OS RNG.
    pub fn generate() -> Result<Self, RngError> {
        let mut b = [0; SECRET_BYTES];
        SystemRandom::new().fill(&mut b).map_err(|_| RngError)?;
        Ok(InstallSecret(b))
    }

    /// A secret as stored (its [`InstallSecret::to_hex`] form); `None` unless it is exactly 64
    /// hex digits.
    pub fn from_hex(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.len() != SECRET_BYTES * 2 {
            return None;
        }
        let mut b = [0; SECRET_BYTES];
        for (i, out) in b.iter_mut().enumerate() {
            *out = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(InstallSecret(b))
    }

    /// The secret as 64 lowercase hex digits, for the state directory.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn key(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, &self.0)
    }
}

impl fmt::Debug for InstallSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InstallSecret(<redacted>)")
    }
}

/// A random, per-request id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestId([u8; ID_BYTES]);

impl RequestId {
    /// A new id from the OS RNG.
    pub fn generate() -> Result<Self, RngError> {
        let mut b = [0; ID_BYTES];
        SystemRandom::new().fill(&mut b).map_err(|_| RngError)?;
        Ok(RequestId(b))
    }

    /// The id from its raw bytes (tests, storage).
    pub fn from_bytes(b: [u8; ID_BYTES]) -> Self {
        RequestId(b)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&b64_encode(&self.0))
    }
}

/// What the user chose on the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Run the tool this once.
    Allow,
    /// Run it and apply the permission rule the agent suggested.
    AlwaysAllow,
    /// Refuse it.
    Deny,
}

impl Decision {
    /// All decisions.
    pub const ALL: [Decision; 3] = [Decision::Allow, Decision::AlwaysAllow, Decision::Deny];

    fn code(self) -> u8 {
        match self {
            Decision::Allow => b'y',
            Decision::AlwaysAllow => b'a',
            Decision::Deny => b'n',
        }
    }

    fn from_code(c: &str) -> Option<Decision> {
        Decision::ALL
            .into_iter()
            .find(|d| c.as_bytes() == [d.code()])
    }
}

fn message(id: &RequestId, d: Decision) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + ID_BYTES + 1);
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(&id.0);
    m.push(d.code());
    m
}

/// The answer a button carries: `<d>.<id>.<mac>` (see the module docs).
pub fn answer_token(secret: &InstallSecret, id: &RequestId, d: Decision) -> String {
    let tag = hmac::sign(&secret.key(), &message(id, d));
    format!(
        "{}.{}.{}",
        char::from(d.code()),
        b64_encode(&id.0),
        b64_encode(tag.as_ref())
    )
}

/// Why an answer was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignored {
    /// Not of the form `<d>.<id>.<mac>`.
    Unparseable,
    /// For another request (an old answer replayed, or another session's).
    OtherRequest,
    /// The MAC does not verify (forged, corrupted, or made with another install's secret).
    BadMac,
    /// "Always allow" for a request that did not offer it.
    AlwaysNotOffered,
    /// The request is already closed (decided, timed out, answered locally).
    Closed,
    /// It came after the deadline.
    Late,
}

/// Why the request ends without a phone decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbstainReason {
    /// No valid answer before the deadline.
    Timeout,
    /// The user answered at the keyboard, or the session moved on.
    AnsweredLocally,
}

/// What to do after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Keep waiting; the event (if an answer) was ignored for this reason.
    Wait(Option<Ignored>),
    /// Print this decision: a valid answer for this request arrived in time.
    Decide(Decision),
    /// Print nothing and exit 0: the local dialog stays as if cc-notify were not installed.
    Abstain(AbstainReason),
}

/// One approval request waiting for its answer. Every method that ends it closes it for good.
#[derive(Debug, Clone)]
pub struct PendingRequest {
    id: RequestId,
    window: Duration,
    always_offered: bool,
    open: bool,
}

impl PendingRequest {
    /// A request `id`, answerable for `window` after it was sent; `always_offered` when the
    /// prompt carried an "always allow" button (the agent suggested a rule).
    pub fn new(id: RequestId, window: Duration, always_offered: bool) -> Self {
        PendingRequest {
            id,
            window,
            always_offered,
            open: true,
        }
    }

    /// The request's id.
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// Still waiting for an answer.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// An answer arrived `elapsed` after the request was sent (a monotonic clock).
    pub fn on_answer(&mut self, secret: &InstallSecret, raw: &[u8], elapsed: Duration) -> Step {
        if !self.open {
            return Step::Wait(Some(Ignored::Closed));
        }
        if elapsed >= self.window {
            return self.on_tick(elapsed);
        }
        let why = match parse(raw) {
            None => Ignored::Unparseable,
            Some((_, id, _)) if id != self.id => Ignored::OtherRequest,
            Some((d, id, mac)) => {
                if hmac::verify(&secret.key(), &message(&id, d), &mac).is_err() {
                    Ignored::BadMac
                } else if d == Decision::AlwaysAllow && !self.always_offered {
                    Ignored::AlwaysNotOffered
                } else {
                    self.open = false;
                    return Step::Decide(d);
                }
            }
        };
        Step::Wait(Some(why))
    }

    /// Time passed: past the window the request ends in an abstention.
    pub fn on_tick(&mut self, elapsed: Duration) -> Step {
        if !self.open {
            return Step::Wait(Some(Ignored::Closed));
        }
        if elapsed >= self.window {
            self.open = false;
            return Step::Abstain(AbstainReason::Timeout);
        }
        Step::Wait(None)
    }

    /// The user answered at the keyboard (or the session moved on): the request ends.
    pub fn on_local_answer(&mut self) -> Step {
        if !self.open {
            return Step::Wait(Some(Ignored::Closed));
        }
        self.open = false;
        Step::Abstain(AbstainReason::AnsweredLocally)
    }
}

/// The request an answer names, without checking its MAC: only for routing a tap to the
/// process waiting for that request (which then verifies it with
/// [`PendingRequest::on_answer`]). `None` unless the answer is well-formed.
pub fn answer_request_id(raw: &[u8]) -> Option<RequestId> {
    parse(raw).map(|(_, id, _)| id)
}

/// Splits `<d>.<id>.<mac>`; `None` unless every part is well-formed and canonical.
fn parse(raw: &[u8]) -> Option<(Decision, RequestId, [u8; MAC_BYTES])> {
    let text = std::str::from_utf8(raw).ok()?.trim();
    let mut parts = text.split('.');
    let (d, id, mac) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let d = Decision::from_code(d)?;
    let id: [u8; ID_BYTES] = b64_decode(id)?.try_into().ok()?;
    let mac: [u8; MAC_BYTES] = b64_decode(mac)?.try_into().ok()?;
    Some((d, RequestId(id), mac))
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding.
fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(B64[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// Decodes base64url without padding; `None` for any other character, an impossible length,
/// or non-zero unused bits (so each value has exactly one accepted spelling).
fn b64_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = B64.iter().position(|b| b == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        let bytes = chunk.len() - 1;
        for i in 0..bytes {
            out.push((n >> (16 - 8 * i)) as u8);
        }
        if n & ((1u32 << (24 - 8 * bytes)) - 1) != 0 {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use proptest::prelude::*;

    const WINDOW: Duration = Duration::from_secs(120);

    fn secret(n: u8) -> InstallSecret {
        InstallSecret([n; SECRET_BYTES])
    }

    #[test]
    fn a_valid_answer_decides_once_and_its_replay_changes_nothing() {
        let s = secret(1);
        let id = RequestId::generate().unwrap();
        let mut rq = PendingRequest::new(id, WINDOW, false);
        let token = answer_token(&s, &id, Decision::Allow);
        assert!(
            token.len() <= 64,
            "fits Telegram's callback_data: {}",
            token.len()
        );
        let at = Duration::from_secs(5);
        assert_eq!(
            rq.on_answer(&s, token.as_bytes(), at),
            Step::Decide(Decision::Allow)
        );
        assert_eq!(
            rq.on_answer(&s, token.as_bytes(), at),
            Step::Wait(Some(Ignored::Closed))
        );
        let deny = answer_token(&s, &id, Decision::Deny);
        assert_eq!(
            rq.on_answer(&s, deny.as_bytes(), at),
            Step::Wait(Some(Ignored::Closed))
        );
    }

    #[test]
    fn forged_mismatched_late_and_unoffered_answers_are_ignored() {
        let s = secret(1);
        let id = RequestId::from_bytes([7; ID_BYTES]);
        let other = RequestId::from_bytes([8; ID_BYTES]);
        let mut rq = PendingRequest::new(id, WINDOW, false);
        let at = Duration::from_secs(1);
        let step = |rq: &mut PendingRequest, t: String| rq.on_answer(&s, t.as_bytes(), at);
        // Another install's secret.
        assert_eq!(
            step(&mut rq, answer_token(&secret(2), &id, Decision::Allow)),
            Step::Wait(Some(Ignored::BadMac))
        );
        // The MAC of "deny" relabelled as "allow".
        let deny = answer_token(&s, &id, Decision::Deny);
        assert_eq!(
            step(&mut rq, deny.replacen('n', "y", 1)),
            Step::Wait(Some(Ignored::BadMac))
        );
        // An old request's valid answer.
        assert_eq!(
            step(&mut rq, answer_token(&s, &other, Decision::Allow)),
            Step::Wait(Some(Ignored::OtherRequest))
        );
        assert_eq!(
            step(&mut rq, answer_token(&s, &id, Decision::AlwaysAllow)),
            Step::Wait(Some(Ignored::AlwaysNotOffered))
        );
        for junk in ["", "allow", "y..", "y.AAAA.BBBB", &format!("{deny}.x")] {
            assert_eq!(
                step(&mut rq, junk.into()),
                Step::Wait(Some(Ignored::Unparseable)),
                "{junk}"
            );
        }
        assert!(rq.is_open());
        let valid = answer_token(&s, &id, Decision::Allow);
        assert_eq!(
            rq.on_answer(&s, valid.as_bytes(), WINDOW),
            Step::Abstain(AbstainReason::Timeout),
            "a valid answer at the deadline is too late"
        );
        assert_eq!(
            rq.on_answer(&s, valid.as_bytes(), at),
            Step::Wait(Some(Ignored::Closed))
        );
    }

    #[test]
    fn a_local_answer_or_the_deadline_abstains() {
        let s = secret(3);
        let id = RequestId::from_bytes([1; ID_BYTES]);
        let mut rq = PendingRequest::new(id, WINDOW, true);
        assert_eq!(rq.on_tick(Duration::from_secs(119)), Step::Wait(None));
        assert_eq!(
            rq.on_local_answer(),
            Step::Abstain(AbstainReason::AnsweredLocally)
        );
        let t = answer_token(&s, &id, Decision::AlwaysAllow);
        assert_eq!(
            rq.on_answer(&s, t.as_bytes(), Duration::ZERO),
            Step::Wait(Some(Ignored::Closed))
        );
        let mut rq = PendingRequest::new(id, WINDOW, true);
        assert_eq!(rq.on_tick(WINDOW), Step::Abstain(AbstainReason::Timeout));
        let mut rq = PendingRequest::new(id, WINDOW, true);
        assert_eq!(
            rq.on_answer(&s, t.as_bytes(), Duration::ZERO),
            Step::Decide(Decision::AlwaysAllow),
            "always, when offered"
        );
    }

    #[test]
    fn secrets_round_trip_as_hex_and_stay_out_of_debug() {
        let s = InstallSecret::generate().unwrap();
        assert_eq!(InstallSecret::from_hex(&s.to_hex()), Some(s.clone()));
        assert!(!format!("{s:?}").contains(&s.to_hex()[..8]));
        assert_eq!(InstallSecret::from_hex("zz"), None);
        assert_eq!(InstallSecret::from_hex(&"g".repeat(64)), None);
        assert_ne!(InstallSecret::generate().unwrap(), s);
        assert_ne!(
            RequestId::generate().unwrap(),
            RequestId::generate().unwrap()
        );
    }

    #[test]
    fn base64url_is_canonical() {
        for bytes in [
            &[][..],
            &[0],
            &[0xff, 0xee],
            &[1, 2, 3],
            &[9; 32],
            &[200; 12],
        ] {
            assert_eq!(b64_decode(&b64_encode(bytes)).as_deref(), Some(bytes));
        }
        assert_eq!(b64_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(b64_decode("-_9"), None, "non-zero unused bits");
        assert_eq!(b64_decode("A"), None);
        assert_eq!(b64_decode("AA=="), None);
    }

    /// What can arrive while a request waits.
    #[derive(Debug, Clone)]
    enum Event {
        /// Raw bytes on the response channel.
        Answer(Vec<u8>, u64),
        Tick(u64),
        Local,
    }

    /// Events an attacker (or noise) can produce without this install's secret, aimed at the
    /// request `id`: random bytes, valid answers for other requests, answers for `id` MACed
    /// with other secrets, and this request's valid answers with one byte changed (a
    /// relabelled decision, a corrupted id or MAC) — plus ticks and local answers.
    fn hostile(id: RequestId) -> impl Strategy<Value = Event> {
        let secs = 0u64..200;
        let decision = proptest::sample::select(Decision::ALL.to_vec());
        prop_oneof![
            (proptest::collection::vec(any::<u8>(), 0..80), secs.clone())
                .prop_map(|(b, t)| Event::Answer(b, t)),
            (any::<[u8; ID_BYTES]>(), decision.clone(), secs.clone()).prop_filter_map(
                "another request",
                move |(other, d, t)| (other != id.0).then(|| {
                    Event::Answer(
                        answer_token(&secret(1), &RequestId(other), d).into_bytes(),
                        t,
                    )
                })
            ),
            (2u8..255, decision.clone(), secs.clone()).prop_map(move |(k, d, t)| {
                Event::Answer(answer_token(&secret(k), &id, d).into_bytes(), t)
            }),
            (decision, 0usize..62, any::<u8>(), secs.clone()).prop_map(move |(d, pos, byte, t)| {
                let mut b = answer_token(&secret(1), &id, d).into_bytes();
                b[pos] = if b[pos] == byte { byte ^ 1 } else { byte };
                Event::Answer(b, t)
            }),
            secs.prop_map(Event::Tick),
            Just(Event::Local),
        ]
    }

    fn run(rq: &mut PendingRequest, events: &[Event]) -> Vec<Step> {
        let s = secret(1);
        events
            .iter()
            .map(|e| match e {
                Event::Answer(b, t) => rq.on_answer(&s, b, Duration::from_secs(*t)),
                Event::Tick(t) => rq.on_tick(Duration::from_secs(*t)),
                Event::Local => rq.on_local_answer(),
            })
            .collect()
    }

    proptest! {
        #[test]
        fn nothing_without_a_valid_mac_for_this_request_ever_allows(
            (id, events) in any::<[u8; ID_BYTES]>().prop_map(RequestId).prop_flat_map(|id| {
                (Just(id), proptest::collection::vec(hostile(id), 0..60))
            }),
            always in any::<bool>(),
        ) {
            let mut rq = PendingRequest::new(id, WINDOW, always);
            for step in run(&mut rq, &events) {
                let allowed = matches!(step, Step::Decide(Decision::Allow | Decision::AlwaysAllow));
                prop_assert!(!allowed, "allowed without a valid MAC: {:?}", step);
            }
        }

        #[test]
        fn an_allow_happens_only_on_the_first_valid_timely_answer_for_this_request(
            (id, mut events) in any::<[u8; ID_BYTES]>().prop_map(RequestId).prop_flat_map(|id| {
                (Just(id), proptest::collection::vec(hostile(id), 0..30))
            }),
            always in any::<bool>(),
            inserts in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..3, 0u64..200), 0..4),
        ) {
            let s = secret(1);
            for (at, d, t) in &inserts {
                let pos = at.index(events.len() + 1);
                events.insert(pos, Event::Answer(answer_token(&s, &id, Decision::ALL[*d]).into_bytes(), *t));
            }
            let mut rq = PendingRequest::new(id, WINDOW, always);
            let steps = run(&mut rq, &events);
            let mut closed = false;
            for (e, step) in events.iter().zip(&steps) {
                if let Step::Decide(d) = step {
                    prop_assert!(!closed, "decided twice");
                    let Event::Answer(raw, t) = e else {
                        return Err(TestCaseError::fail("a decision without an answer"));
                    };
                    prop_assert!(Duration::from_secs(*t) < WINDOW);
                    prop_assert_eq!(raw.clone(), answer_token(&s, &id, *d).into_bytes());
                    prop_assert!(always || *d != Decision::AlwaysAllow);
                }
                if matches!(step, Step::Decide(_) | Step::Abstain(_)) {
                    closed = true;
                }
                if closed {
                    prop_assert!(!rq.is_open());
                }
            }
        }
    }
}
