//! [`Routing`]: which backends get which kinds of push — the `[routing]` table of the config
//! file, validated against the configured backends.
//!
//! ```toml
//! [routing]            # kind -> backends
//! done = ["ntfy"]
//! error = ["ntfy", "pushover"]
//! needs_input = ["ntfy"]
//! progress = ["desktop"]
//! ```
//!
//! Without a `[routing]` table every configured backend gets every kind. A kind the table
//! leaves out also goes to every configured backend; an empty list (`progress = []`) sends
//! that kind nowhere. Naming a backend that is not configured (a typo, or one whose
//! credentials are missing) is an error, never a silent drop. A name listed twice counts once.
//!
//! Delivery fans out per backend: for a push of kind `k`, each name in
//! [`Routing::backends`]`(k)` is its own delivery — its own attempts, retry schedule, outbox
//! entry and quota hold — so one backend failing or waiting on a 429 never delays or cancels
//! another.
//!
//! ```
//! use cc_notify_core::routing::{Routing, RoutingTable};
//! use cc_notify_core::Kind;
//! let table: RoutingTable = serde_json::from_str(r#"{"error": ["ntfy", "pushover"], "progress": []}"#).unwrap();
//! let routing = Routing::new(&table, &["pushover", "ntfy"]).unwrap();
//! assert_eq!(routing.backends(Kind::Error), ["ntfy", "pushover"]);
//! assert_eq!(routing.backends(Kind::Done), ["pushover", "ntfy"]);
//! assert!(routing.backends(Kind::Progress).is_empty());
//! ```

use serde::Deserialize;

use crate::notification::Kind;

/// The `[routing]` table as written: for each kind, the backends it goes to (`None`: every
/// configured backend). Unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingTable {
    /// Where finished turns go.
    pub done: Option<Vec<String>>,
    /// Where errors go.
    pub error: Option<Vec<String>>,
    /// Where "the agent waits for you" goes.
    pub needs_input: Option<Vec<String>>,
    /// Where progress updates go.
    pub progress: Option<Vec<String>>,
}

impl RoutingTable {
    /// The list written for `kind`, if any.
    pub fn get(&self, kind: Kind) -> Option<&[String]> {
        match kind {
            Kind::Done => self.done.as_deref(),
            Kind::Error => self.error.as_deref(),
            Kind::NeedsInput => self.needs_input.as_deref(),
            Kind::Progress => self.progress.as_deref(),
        }
    }
}

/// The config key of `kind` in the `[routing]` table.
pub fn key(kind: Kind) -> &'static str {
    match kind {
        Kind::Done => "done",
        Kind::Error => "error",
        Kind::NeedsInput => "needs_input",
        Kind::Progress => "progress",
    }
}

/// Why a `[routing]` table cannot be used. Permanent: the config must change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    /// A kind names a backend that is not configured.
    #[error(
        "[routing] {kind} names {name:?}, which is not a configured backend (configured: {})",
        if configured.is_empty() { "none".to_owned() } else { configured.join(", ") }
    )]
    UnknownBackend {
        /// The kind's key (`done`, `error`, `needs_input`, `progress`).
        kind: &'static str,
        /// The name as written.
        name: String,
        /// The configured backends, for the message.
        configured: Vec<String>,
    },
}

/// Validated routes: for each kind, the configured backends that get it, in the order written
/// (or, by default, the order of the configured backends).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    routes: [Vec<String>; 4],
}

fn index(kind: Kind) -> usize {
    match kind {
        Kind::Done => 0,
        Kind::Error => 1,
        Kind::NeedsInput => 2,
        Kind::Progress => 3,
    }
}

fn dedup<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.iter().any(|o| o == n) {
            out.push(n.to_owned());
        }
    }
    out
}

impl Routing {
    /// Every configured backend gets every kind (no `[routing]` table).
    pub fn everything_to(configured: &[&str]) -> Routing {
        let all = dedup(configured.iter().copied());
        Routing {
            routes: [all.clone(), all.clone(), all.clone(), all],
        }
    }

    /// Checks `table` against the `configured` backend names.
    pub fn new(table: &RoutingTable, configured: &[&str]) -> Result<Routing, RoutingError> {
        let mut routing = Routing::everything_to(configured);
        for kind in Kind::ALL {
            let Some(names) = table.get(kind) else {
                continue;
            };
            if let Some(bad) = names.iter().find(|n| !configured.contains(&n.as_str())) {
                return Err(RoutingError::UnknownBackend {
                    kind: key(kind),
                    name: bad.clone(),
                    configured: dedup(configured.iter().copied()),
                });
            }
            routing.routes[index(kind)] = dedup(names.iter().map(String::as_str));
        }
        Ok(routing)
    }

    /// The backends a push of `kind` goes to: one independent delivery each.
    pub fn backends(&self, kind: Kind) -> &[String] {
        &self.routes[index(kind)]
    }

    /// The configured backends that get no kind at all (worth a warning in `doctor`).
    pub fn unused<'a>(&self, configured: &[&'a str]) -> Vec<&'a str> {
        configured
            .iter()
            .copied()
            .filter(|c| !self.routes.iter().any(|r| r.iter().any(|n| n == c)))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NAMES: [&str; 6] = [
        "pushover", "ntfy", "desktop", "telegram", "webhook", "command",
    ];

    #[test]
    fn the_issue_example_routes_as_written() {
        let table: RoutingTable = serde_json::from_str(
            r#"{"done":["ntfy"],"error":["ntfy","pushover"],"needs_input":["ntfy"],"progress":["desktop"]}"#,
        )
        .unwrap();
        let r = Routing::new(&table, &["pushover", "ntfy", "desktop"]).unwrap();
        assert_eq!(r.backends(Kind::Error), ["ntfy", "pushover"]);
        assert_eq!(r.backends(Kind::Progress), ["desktop"]);
        assert_eq!(r.backends(Kind::NeedsInput), ["ntfy"]);
        assert!(r.unused(&["pushover", "ntfy", "desktop"]).is_empty());
    }

    #[test]
    fn unknown_backends_and_kinds_are_clear_errors() {
        let table: RoutingTable = serde_json::from_str(r#"{"error":["ntfy","pushovr"]}"#).unwrap();
        let e = Routing::new(&table, &["pushover", "ntfy"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "[routing] error names \"pushovr\", which is not a configured backend (configured: pushover, ntfy)"
        );
        let e = Routing::new(&table, &[]).unwrap_err();
        assert!(e.to_string().ends_with("(configured: none)"), "{e}");
        let e = serde_json::from_str::<RoutingTable>(r#"{"errors":["ntfy"]}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `errors`"), "{e}");
    }

    #[test]
    fn a_backend_no_kind_reaches_is_reported_unused() {
        let table: RoutingTable = serde_json::from_str(
            r#"{"done":["ntfy"],"error":["ntfy"],"needs_input":["ntfy"],"progress":[]}"#,
        )
        .unwrap();
        let r = Routing::new(&table, &["ntfy", "desktop"]).unwrap();
        assert_eq!(r.unused(&["ntfy", "desktop"]), ["desktop"]);
    }

    fn configured() -> impl Strategy<Value = Vec<&'static str>> {
        proptest::sample::subsequence(NAMES.to_vec(), 0..=NAMES.len()).prop_shuffle()
    }

    fn list(pool: Vec<&'static str>) -> impl Strategy<Value = Option<Vec<String>>> {
        let names = if pool.is_empty() {
            Just(Vec::new()).boxed()
        } else {
            proptest::collection::vec(proptest::sample::select(pool), 0..5)
                .prop_map(|v| v.into_iter().map(String::from).collect())
                .boxed()
        };
        proptest::option::of(names)
    }

    fn table_over(pool: Vec<&'static str>) -> impl Strategy<Value = RoutingTable> {
        (
            list(pool.clone()),
            list(pool.clone()),
            list(pool.clone()),
            list(pool),
        )
            .prop_map(|(done, error, needs_input, progress)| RoutingTable {
                done,
                error,
                needs_input,
                progress,
            })
    }

    proptest! {
        #[test]
        fn without_a_table_every_configured_backend_gets_every_kind(configured in configured()) {
            let r = Routing::new(&RoutingTable::default(), &configured).unwrap();
            prop_assert_eq!(&r, &Routing::everything_to(&configured));
            for kind in Kind::ALL {
                prop_assert_eq!(r.backends(kind), configured.as_slice());
            }
        }

        #[test]
        fn a_table_over_configured_names_routes_exactly_what_it_says(
            (configured, table) in configured().prop_flat_map(|c| (Just(c.clone()), table_over(c)))
        ) {
            let r = Routing::new(&table, &configured).unwrap();
            for kind in Kind::ALL {
                let got = r.backends(kind);
                match table.get(kind) {
                    None => prop_assert_eq!(got, configured.as_slice()),
                    Some(written) => {
                        // Each written name once, in the order of its first appearance.
                        let mut seen: Vec<&str> = Vec::new();
                        for n in written {
                            if !seen.contains(&n.as_str()) {
                                seen.push(n);
                            }
                        }
                        prop_assert_eq!(got, seen.as_slice());
                    }
                }
                prop_assert!(got.iter().all(|b| configured.contains(&b.as_str())));
            }
        }

        #[test]
        fn any_name_outside_the_configured_ones_is_refused(
            configured in configured(),
            table in table_over(NAMES.iter().copied().chain(["pushovr", "Ntfy", ""]).collect()),
        ) {
            let stray = Kind::ALL.into_iter().find_map(|k| {
                table
                    .get(k)?
                    .iter()
                    .find(|n| !configured.contains(&n.as_str()))
                    .map(|n| (key(k), n.clone()))
            });
            match (Routing::new(&table, &configured), stray) {
                (Ok(_), None) => {}
                (Err(RoutingError::UnknownBackend { kind, name, .. }), Some((k, n))) => {
                    prop_assert_eq!((kind, name), (k, n));
                }
                (got, stray) => prop_assert!(false, "{:?} with stray {:?}", got, stray),
            }
        }
    }
}
