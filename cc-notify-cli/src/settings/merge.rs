//! The pure merge: cc-notify's hooks into and out of a settings document. Every other key and
//! every foreign hook is kept, in order.

use serde_json::{Map, Value, json};

use super::SettingsError;
use super::command::{is_our_command, our_program};
use super::events::{EVENTS, our_group};
use super::user_file::Changed;

fn is_our_handler(handler: &Value) -> bool {
    handler
        .get("command")
        .and_then(Value::as_str)
        .is_some_and(is_our_command)
}

/// A group whose handlers are all ours (and there is at least one).
fn is_our_group(group: &Value) -> bool {
    group
        .get("hooks")
        .and_then(Value::as_array)
        .is_some_and(|hs| !hs.is_empty() && hs.iter().all(is_our_handler))
}

/// Removes our handlers from a group. Returns `None` when that left the group empty, and
/// counts the removed handlers in `removed`. Groups of unknown shape are kept as they are.
fn strip_group(mut group: Value, removed: &mut usize) -> Option<Value> {
    let Some(handlers) = group.get_mut("hooks").and_then(Value::as_array_mut) else {
        return Some(group);
    };
    let before = handlers.len();
    handlers.retain(|h| !is_our_handler(h));
    let gone = before - handlers.len();
    *removed += gone;
    (gone == 0 || !handlers.is_empty()).then_some(group)
}

/// Registers cc-notify's hooks with `command` in a settings document.
///
/// Idempotent: an existing group of ours for an event is replaced in place (so a new binary
/// path replaces the old one), other stray entries of ours are removed, and events without
/// one get a group appended. Everything else is kept in order. Refuses documents that are not
/// an object, whose `hooks` is not an object, or where an event's value is not an array,
/// and commands that do not run a binary named `cc-notify`.
pub fn install(doc: Value, command: &str) -> Result<(Value, Changed), SettingsError> {
    if !is_our_command(command) {
        return Err(SettingsError::NotOurCommand(command.to_owned()));
    }
    let original = doc.clone();
    let Value::Object(mut root) = doc else {
        return Err(SettingsError::shape("the settings are not a JSON object"));
    };
    let hooks = root
        .entry("hooks")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(hooks) = hooks else {
        return Err(SettingsError::shape("\"hooks\" is not an object"));
    };
    for spec in EVENTS {
        if hooks.get(spec.name).is_some_and(|v| !v.is_array()) {
            return Err(SettingsError::shape(format!(
                "\"hooks.{}\" is not an array",
                spec.name
            )));
        }
    }
    hooks.retain(|name, list| {
        let Value::Array(groups) = list else {
            return true;
        };
        let spec = EVENTS.iter().find(|s| s.name == name);
        let mut placed = false;
        let mut removed = 0;
        let old = std::mem::take(groups);
        for group in old {
            match spec {
                Some(spec) if !placed && is_our_group(&group) => {
                    groups.push(our_group(spec, command));
                    placed = true;
                }
                _ => groups.extend(strip_group(group, &mut removed)),
            }
        }
        if let (Some(spec), false) = (spec, placed) {
            groups.push(our_group(spec, command));
        }
        !(spec.is_none() && removed > 0 && groups.is_empty())
    });
    for spec in EVENTS {
        if !hooks.contains_key(spec.name) {
            hooks.insert(spec.name.to_owned(), json!([our_group(spec, command)]));
        }
    }
    let doc = Value::Object(root);
    Ok((doc.clone(), changed(&original, &doc)))
}

/// Removes every hook entry of ours, under any event.
///
/// An event list that only held ours is removed, and so is a `hooks` object that only held
/// ours. Everything else (including empty lists that were already empty) stays as it was.
/// Documents of unknown shape are returned unchanged.
pub fn uninstall(mut doc: Value) -> (Value, Changed) {
    let Some(root) = doc.as_object_mut() else {
        return (doc, Changed::No);
    };
    let Some(Value::Object(hooks)) = root.get_mut("hooks") else {
        return (doc, Changed::No);
    };
    let mut total = 0;
    hooks.retain(|_, list| {
        let Value::Array(groups) = list else {
            return true;
        };
        let mut removed = 0;
        let old = std::mem::take(groups);
        groups.extend(old.into_iter().filter_map(|g| strip_group(g, &mut removed)));
        total += removed;
        removed == 0 || !groups.is_empty()
    });
    if total == 0 {
        return (doc, Changed::No);
    }
    if hooks.is_empty() {
        root.shift_remove("hooks");
    }
    (doc, Changed::Yes)
}

/// Whether a document holds any hook entry of ours.
pub fn has_ours(doc: &Value) -> bool {
    doc.get("hooks")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|h| h.values())
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|g| g.get("hooks")?.as_array())
        .flatten()
        .any(|h| {
            h.get("command")
                .and_then(Value::as_str)
                .and_then(our_program)
                .is_some()
        })
}

/// Compared as text: `serde_json` maps compare without order, settings files care about it.
pub fn changed(before: &Value, after: &Value) -> Changed {
    if serde_json::to_string(before).ok() == serde_json::to_string(after).ok() {
        Changed::No
    } else {
        Changed::Yes
    }
}
