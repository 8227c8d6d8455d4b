//! What a key (`DB_PASSWORD`, `apiKey`, `"x-api-key"`, `--token`) says about its value.
//!
//! A key is read as words: split at `_`, `-`, `.`, other punctuation, lower-to-upper case
//! changes (`authToken`), the end of an upper-case run (`APIKey`) and letter/digit changes.
//! Its last word decides, after dropping words that only qualify it (`SECRET_KEY_BASE`,
//! `TOKEN_2`). A word must be whole: `jsonwebtoken` does not end in the word `token` (unless
//! what precedes is a known word, as in `apitoken`).

/// What a key says about its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyKind {
    /// The value is a secret unless it is a placeholder (`password`, `token`, `api_key`).
    Secret,
    /// A secret when it looks random (`key`, `credentials`, `auth`, `AccountKey`).
    Weak,
    /// The value is a scheme followed by credentials.
    Authorization,
    /// A secret only when it has a Pushover key's shape (30 letters and digits).
    User,
    /// A bare `key` (`{ key: …, value: … }`): a secret when it looks random, and not a UUID.
    Bare,
    /// Said not to be secret (`public_key`, `commit_sha`, `client_id`, `csrf_token`): not
    /// checked for randomness either.
    Plain,
}

/// The most words of a key looked at, from its end.
const MAX_WORDS: usize = 8;

/// Words after which a secret word still names the value (`SECRET_KEY_BASE`).
const QUALIFIERS: &[&[u8]] = &[
    b"base",
    b"value",
    b"val",
    b"raw",
    b"plain",
    b"plaintext",
    b"string",
];

/// Last words that name a secret whatever the value looks like.
const SECRET_WORDS: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"pwd",
    b"passphrase",
    b"secret",
    b"token",
    b"apikey",
    b"pat",
    b"pass",
    b"dockerconfigjson",
    b"dockercfg",
];

/// Words before `key` that make it a secret key outright.
const SECRET_KEY_QUALIFIERS: &[&[u8]] = &[
    b"api",
    b"secret",
    b"private",
    b"access",
    b"account",
    b"master",
    b"signing",
    b"shared",
    b"encryption",
    b"client",
    b"app",
    b"admin",
    b"auth",
    b"service",
    b"subscription",
    b"webhook",
    b"consumer",
    b"license",
    b"session",
    b"hmac",
    b"jwt",
];

/// Words before `key` that make it something else (database keys, key bindings, key ids):
/// its value is not a secret, however random.
const NOT_SECRET_KEY_QUALIFIERS: &[&[u8]] = &[
    b"primary",
    b"foreign",
    b"sort",
    b"partition",
    b"cache",
    b"idempotency",
    b"sequence",
    b"schema",
    b"bucket",
    b"hot",
    b"idx",
    b"index",
    b"natural",
    b"lookup",
    b"map",
    b"object",
    b"row",
    b"composite",
    b"unique",
    b"group",
    b"kms",
    b"routing",
    b"dedup",
    b"shard",
    b"translation",
    b"i",
    b"react",
    b"dict",
    b"hash",
    b"sort",
    b"surrogate",
    b"candidate",
    b"secondary",
    b"compound",
    b"short",
    b"registry",
    b"storage",
    b"dict",
    b"ssh",
    b"gpg",
    b"pgp",
];

/// Last words that name something random that is not a secret: the value is left alone.
const PLAIN_LAST: &[&[u8]] = &[
    b"id",
    b"ids",
    b"uuid",
    b"guid",
    b"hash",
    b"checksum",
    b"integrity",
    b"digest",
    b"sha",
    b"md",
    b"etag",
    b"rev",
    b"revision",
    b"srcrev",
    b"version",
    b"nonce",
    b"fingerprint",
];

/// Words anywhere in a key that make it not secret.
const PLAIN_ANY: &[&[u8]] = &[b"public", b"pub", b"publishable", b"csrf", b"xsrf"];

/// Last words that name a secret when the value looks random.
const WEAK_WORDS: &[&[u8]] = &[
    b"key",
    b"credential",
    b"credentials",
    b"creds",
    b"cred",
    b"auth",
    b"access",
    b"sig",
    b"signature",
];

/// Known words a secret word is glued to in one lower-case word (`apikey`, `accesstoken`).
const GLUED: &[&[u8]] = &[
    b"api",
    b"auth",
    b"access",
    b"secret",
    b"private",
    b"bot",
    b"app",
    b"client",
    b"refresh",
    b"session",
    b"id",
    b"bearer",
    b"oauth",
    b"master",
    b"admin",
    b"root",
    b"db",
    b"user",
    b"account",
    b"personal",
    b"deploy",
    b"service",
    b"npm",
    b"github",
    b"gh",
    b"gitlab",
    b"slack",
    b"shared",
    b"signing",
    b"webhook",
    b"consumer",
    b"login",
    b"sudo",
    b"my",
    b"sas",
    b"encryption",
    b"license",
    b"hmac",
    b"jwt",
    b"pg",
    b"mysql",
    b"redis",
    b"smtp",
    b"mail",
    b"ftp",
    b"ssh",
    b"keystore",
    b"truststore",
    b"store",
    b"key",
    b"pass",
    b"ldap",
    b"proxy",
    b"wifi",
    b"vnc",
    b"amqp",
    b"rabbitmq",
    b"sql",
    b"database",
];

/// Classifies `key`; `None` when it says nothing about its value.
pub(super) fn classify(key: &[u8]) -> Option<KeyKind> {
    if key.is_empty() || key.len() > 80 {
        return None;
    }
    // Bundler keeps per-host credentials in `BUNDLE_<HOST>` (`BUNDLE_GEMS__EXAMPLE__COM`).
    if key.starts_with(b"BUNDLE_") && memchr::memmem::find(key, b"__").is_some() {
        return Some(KeyKind::Secret);
    }
    let mut words = [(0usize, 0usize); MAX_WORDS];
    let n = split_words(key, &mut words);
    let word = |k: usize| &key[words[k].0..words[k].1];
    let is = |k: usize, list: &[&[u8]]| list.iter().any(|w| word(k).eq_ignore_ascii_case(w));
    // The last word that is not a qualifier or a number.
    let mut last = n;
    while last > 0 {
        let w = word(last - 1);
        if w.iter().all(u8::is_ascii_digit) || is(last - 1, QUALIFIERS) {
            last -= 1;
        } else {
            break;
        }
    }
    if last == 0 {
        return None;
    }
    let l = last - 1;
    if (0..last).any(|k| is(k, PLAIN_ANY)) || is(l, PLAIN_LAST) {
        return Some(KeyKind::Plain);
    }
    if word(l).eq_ignore_ascii_case(b"authorization") {
        return Some(KeyKind::Authorization);
    }
    if word(l).eq_ignore_ascii_case(b"user") && last == n {
        return Some(KeyKind::User);
    }
    let (before, w) = unglue(word(l));
    let prev = match before {
        Some(p) => Some(p),
        None if l > 0 => Some(word(l - 1)),
        None => None,
    };
    let prev_is =
        |list: &[&[u8]]| prev.is_some_and(|p| list.iter().any(|x| p.eq_ignore_ascii_case(x)));
    if SECRET_WORDS.iter().any(|s| w.eq_ignore_ascii_case(s)) {
        // `pat` and `pass` alone are too common words (`pass: 12`); they name a secret after
        // `gh`, `gitlab`, `personal`, `db`, `smtp`…
        if w.eq_ignore_ascii_case(b"pat") && prev.is_none() {
            return None;
        }
        // `pass` is a noun too (`second_pass`, `lint_pass`): only after a service or account.
        if w.eq_ignore_ascii_case(b"pass") && !prev_is(GLUED) {
            return None;
        }
        return Some(KeyKind::Secret);
    }
    if w.eq_ignore_ascii_case(b"key") {
        if prev_is(SECRET_KEY_QUALIFIERS) {
            return Some(KeyKind::Secret);
        }
        if prev_is(NOT_SECRET_KEY_QUALIFIERS) {
            return Some(KeyKind::Plain);
        }
        if prev.is_none() {
            return Some(KeyKind::Bare);
        }
        return Some(KeyKind::Weak);
    }
    if WEAK_WORDS.iter().any(|s| w.eq_ignore_ascii_case(s)) {
        return Some(KeyKind::Weak);
    }
    None
}

/// Splits a lower- or upper-case word glued from a known word and a secret word
/// (`apikey` → `api`, `key`; `ACCESSTOKEN` → `ACCESS`, `TOKEN`); other words come back whole.
fn unglue(w: &[u8]) -> (Option<&[u8]>, &[u8]) {
    for s in [&b"token"[..], b"secret", b"password", b"passwd", b"key"] {
        if w.len() > s.len() && ends_with(w, s) {
            let (p, tail) = w.split_at(w.len() - s.len());
            if GLUED.iter().any(|g| p.eq_ignore_ascii_case(g)) {
                return (Some(p), tail);
            }
        }
    }
    (None, w)
}

fn ends_with(w: &[u8], s: &[u8]) -> bool {
    super::ends_with_ci(w, s)
}

/// Fills `out` with the last [`MAX_WORDS`] words of `key` as byte ranges, in order; returns
/// how many. Reads from the end, so a long key costs no more than a short one.
fn split_words(key: &[u8], out: &mut [(usize, usize); MAX_WORDS]) -> usize {
    let mut n = 0;
    let mut end: Option<usize> = None;
    let mut k = key.len();
    while k > 0 && n < MAX_WORDS {
        let c = key[k - 1];
        if !c.is_ascii_alphanumeric() {
            if let Some(e) = end.take() {
                out[n] = (k, e);
                n += 1;
            }
        } else {
            let e = *end.get_or_insert(k);
            // A boundary between `key[k - 2]` and `c`?
            if let Some(&p) = key
                .get(k.wrapping_sub(2))
                .filter(|p| p.is_ascii_alphanumeric())
            {
                let next_lower = key.get(k).is_some_and(u8::is_ascii_lowercase);
                if (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                    || (p.is_ascii_uppercase() && c.is_ascii_uppercase() && next_lower)
                    || (p.is_ascii_digit() != c.is_ascii_digit())
                {
                    out[n] = (k - 1, e);
                    n += 1;
                    end = None;
                }
            }
        }
        k -= 1;
    }
    if let Some(e) = end.filter(|_| k == 0 && n < MAX_WORDS) {
        out[n] = (0, e);
        n += 1;
    }
    out[..n].reverse();
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_by_their_words() {
        use KeyKind::*;
        for (key, kind) in [
            ("password", Some(Secret)),
            ("DB_PASSWORD", Some(Secret)),
            ("authToken", Some(Secret)),
            ("_authToken", Some(Secret)),
            ("x-api-key", Some(Secret)),
            ("APIKey", Some(Secret)),
            ("apikey", Some(Secret)),
            ("SECRET_KEY_BASE", Some(Secret)),
            ("GITHUB_TOKEN_2", Some(Secret)),
            ("--token", Some(Secret)),
            ("Pwd", Some(Secret)),
            ("AccountKey", Some(Secret)),
            ("datadog_app_key", Some(Secret)),
            ("stripeKey", Some(Weak)),
            ("tls.key", Some(Weak)),
            ("credentials", Some(Weak)),
            ("Authorization", Some(Authorization)),
            ("pushover_user", Some(User)),
            ("io.jsonwebtoken", None),
            ("max_tokens", None),
            ("primaryKey", Some(Plain)),
            ("keyword", None),
            ("author", None),
            ("passwordVariable", None),
            ("public_key", Some(Plain)),
            ("publicToken", Some(Plain)),
            ("csrf-token", Some(Plain)),
            ("private_key_id", Some(Plain)),
            ("commit_sha", Some(Plain)),
            ("pat", None),
            ("pass", None),
            ("second_pass", None),
            ("LDAP_PASS", Some(Secret)),
            ("SMTP_PASS", Some(Secret)),
            ("PGPASSWORD", Some(Secret)),
            (".dockerconfigjson", Some(Secret)),
            (
                "a_b_c_d_e_f_g_h_i_j_k_l_m_n_o_p_q_r_s_t_u_v_w_x_y_z_api_key",
                Some(Secret),
            ),
            ("myAPIToken2", Some(Secret)),
        ] {
            assert_eq!(classify(key.as_bytes()), kind, "{key}");
        }
    }
}
