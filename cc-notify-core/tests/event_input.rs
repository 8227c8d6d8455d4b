//! Reading hook input in bounded memory changes nothing about what is parsed: for any JSON
//! object, read in any chunking, `parse(read_document(doc))` equals `parse(doc)`.

#![allow(clippy::unwrap_used)]

use std::io::Read;

use cc_notify_core::agent::claude::{self, READ_FIELDS};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Hands out the document in the given chunk sizes (cycled), like a pipe.
struct Chunked<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    turn: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self.sizes[self.turn % self.sizes.len()].max(1);
        self.turn += 1;
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Any JSON value, with strings full of quotes, backslashes and braces.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[\"\\\\{}\\[\\],:a-z\u{e9}\u{1f600} ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(("[a-z_\"\\\\]{0,8}", inner), 0..5)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A value of the type the parser expects for a read field, or (sometimes) any value at all.
fn field_value(name: &'static str) -> BoxedStrategy<Value> {
    let typed = match name {
        "hook_event_name" => prop::sample::select(vec![
            "Stop",
            "PostToolUse",
            "PostToolBatch",
            "Notification",
            "UserPromptSubmit",
            "StopFailure",
            "SomethingNew",
        ])
        .prop_map(Value::from)
        .boxed(),
        "stop_hook_active" | "is_interrupt" => any::<bool>().prop_map(Value::from).boxed(),
        "tool_calls" => prop::collection::vec(
            (any_value(), "[<a-z_>]{0,20}")
                .prop_map(|(input, resp)| json!({"tool_name": "Bash", "tool_input": input, "tool_response": resp})),
            0..3,
        )
        .prop_map(Value::Array)
        .boxed(),
        "background_tasks" => Just(json!([{"status": "running"}, {"status": "completed"}])).boxed(),
        _ => "[a-z \"\\\\/<>]{0,16}".prop_map(Value::from).boxed(),
    };
    prop_oneof![9 => typed, 1 => any_value()].boxed()
}

/// A hook document: some read fields and some others (tool payloads), in any order.
fn document() -> impl Strategy<Value = Vec<(String, Value)>> {
    let read = prop::sample::subsequence(READ_FIELDS.to_vec(), 0..READ_FIELDS.len()).prop_flat_map(
        |names| {
            names
                .into_iter()
                .map(|n| field_value(n).prop_map(move |v| (n.to_owned(), v)))
                .collect::<Vec<_>>()
        },
    );
    let other = prop::collection::vec(
        (
            prop_oneof![
                Just("tool_input".to_owned()),
                Just("tool_response".to_owned()),
                "[a-z_\"\\\\]{0,70}",
            ],
            any_value(),
        ),
        0..4,
    );
    (read, other).prop_flat_map(|(read, other)| {
        Just(read.into_iter().chain(other).collect::<Vec<_>>()).prop_shuffle()
    })
}

/// Serialises the fields as one object (duplicates kept, as a hand-written document could).
fn encode(fields: &[(String, Value)], pretty: bool) -> Vec<u8> {
    let sep = if pretty { ",\n  " } else { "," };
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| {
            let v = if pretty {
                serde_json::to_string_pretty(v).unwrap()
            } else {
                v.to_string()
            };
            format!("{} : {v}", Value::from(k.as_str()))
        })
        .collect();
    format!("{{{}}}\n", body.join(sep)).into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn reading_in_bounded_memory_parses_the_same(
        fields in document(),
        pretty in any::<bool>(),
        sizes in prop::collection::vec(1usize..40, 1..5),
    ) {
        let doc = encode(&fields, pretty);
        let kept = claude::read_document(Chunked { data: &doc, sizes, turn: 0 }).unwrap();
        let want = claude::parse(&doc);
        let got = claude::parse(&kept);
        match (&want, &got) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            _ => prop_assert!(false, "original {:?}, kept {:?}\n{}\n{}", want, got,
                String::from_utf8_lossy(&doc), String::from_utf8_lossy(&kept)),
        }
    }
}
