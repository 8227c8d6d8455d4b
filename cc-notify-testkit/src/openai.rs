//! The OpenAI wire formats of [`crate::model_api::FakeModelApi`]: Responses streaming
//! (`POST /v1/responses`, Codex and Copilot) and Chat Completions streaming
//! (`POST /v1/chat/completions`, OpenCode and Qwen Code).

use serde_json::{Value, json};

use crate::model_api::{Conversation, Move, Reply, fresh_id, next_move};

/// The text of a message `content`: a string, or the `text` of its parts joined by newlines.
fn content_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn array<'a>(body: &'a Value, key: &str) -> &'a [Value] {
    body.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn error_reply() -> Reply {
    let mut reply = Reply::json(
        500,
        &json!({"error": {"message": "Internal server error (e2e script)", "type": "server_error"}}),
    );
    reply.described = "500 server_error".to_owned();
    reply
}

/// Reads a Responses API request.
fn responses_conversation(body: &Value) -> Conversation {
    let mut c = Conversation::default();
    for item in array(body, "input") {
        let kind = item
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("message");
        match kind {
            "message" if item.get("role").and_then(Value::as_str) == Some("user") => {
                c.user(&content_text(item.get("content")));
            }
            "function_call_output" | "custom_tool_call_output" => c.tool_result(),
            _ => {}
        }
    }
    for tool in array(body, "tools") {
        if let Some(name) = tool.get("name").and_then(Value::as_str) {
            c.offer(name, tool.get("parameters").unwrap_or(&Value::Null));
        }
    }
    c
}

/// Answers `POST /v1/responses`.
pub(crate) fn responses(body: &Value) -> Reply {
    let chosen = next_move(&responses_conversation(body));
    if chosen == Move::Error {
        return error_reply();
    }
    Reply::stream(responses_stream(&chosen), chosen.describe())
}

/// The full Responses event sequence for one move (Copilot needs every event, deltas included).
fn responses_stream(chosen: &Move) -> String {
    let response_id = fresh_id("resp");
    let mut out = String::new();
    let mut seq = 0;
    let mut event = |name: &str, mut data: Value| {
        data["type"] = json!(name);
        data["sequence_number"] = json!(seq);
        seq += 1;
        out.push_str(&format!("event: {name}\ndata: {data}\n\n"));
    };
    event(
        "response.created",
        json!({"response": {"id": response_id, "object": "response", "status": "in_progress", "output": []}}),
    );
    let (text, call) = match chosen {
        Move::Text(t) => (Some(t.clone()), None),
        Move::Call {
            text,
            name,
            arguments,
        } => (text.clone(), Some((name, arguments.to_string()))),
        Move::Error => (None, None),
    };
    let mut output = Vec::new();
    if let Some(text) = text {
        let id = fresh_id("msg");
        let index = output.len();
        event(
            "response.output_item.added",
            json!({"output_index": index, "item": {"type": "message", "role": "assistant", "id": id,
                   "status": "in_progress", "content": []}}),
        );
        event(
            "response.content_part.added",
            json!({"item_id": id, "output_index": index, "content_index": 0,
                   "part": {"type": "output_text", "text": "", "annotations": []}}),
        );
        event(
            "response.output_text.delta",
            json!({"item_id": id, "output_index": index, "content_index": 0, "delta": text}),
        );
        event(
            "response.output_text.done",
            json!({"item_id": id, "output_index": index, "content_index": 0, "text": text}),
        );
        let part = json!({"type": "output_text", "text": text, "annotations": []});
        event(
            "response.content_part.done",
            json!({"item_id": id, "output_index": index, "content_index": 0, "part": part}),
        );
        let item = json!({"type": "message", "role": "assistant", "id": id, "status": "completed",
                          "content": [part]});
        event(
            "response.output_item.done",
            json!({"output_index": index, "item": item}),
        );
        output.push(item);
    }
    if let Some((name, arguments)) = call {
        let id = fresh_id("fc");
        let call_id = fresh_id("call");
        let index = output.len();
        let item = |status: &str, args: &str| {
            json!({"type": "function_call", "id": id, "call_id": call_id, "name": name,
                   "arguments": args, "status": status})
        };
        event(
            "response.output_item.added",
            json!({"output_index": index, "item": item("in_progress", "")}),
        );
        event(
            "response.function_call_arguments.delta",
            json!({"item_id": id, "output_index": index, "delta": arguments}),
        );
        event(
            "response.function_call_arguments.done",
            json!({"item_id": id, "output_index": index, "arguments": arguments}),
        );
        let done = item("completed", &arguments);
        event(
            "response.output_item.done",
            json!({"output_index": index, "item": done}),
        );
        output.push(done);
    }
    event(
        "response.completed",
        json!({"response": {"id": response_id, "object": "response", "status": "completed",
               "output": output,
               "usage": {"input_tokens": 10, "input_tokens_details": null, "output_tokens": 3,
                         "output_tokens_details": null, "total_tokens": 13}}}),
    );
    out
}

/// Reads a Chat Completions request.
fn chat_conversation(body: &Value) -> Conversation {
    let mut c = Conversation::default();
    for message in array(body, "messages") {
        match message.get("role").and_then(Value::as_str) {
            Some("user") => c.user(&content_text(message.get("content"))),
            Some("tool") => c.tool_result(),
            _ => {}
        }
    }
    for tool in array(body, "tools") {
        let function = tool.get("function").unwrap_or(tool);
        if let Some(name) = function.get("name").and_then(Value::as_str) {
            c.offer(name, function.get("parameters").unwrap_or(&Value::Null));
        }
    }
    c
}

/// Answers `POST /v1/chat/completions`.
pub(crate) fn chat(body: &Value) -> Reply {
    let chosen = next_move(&chat_conversation(body));
    if chosen == Move::Error {
        return error_reply();
    }
    Reply::stream(chat_stream(&chosen), chosen.describe())
}

/// The streamed chunks of one move, then `[DONE]`.
fn chat_stream(chosen: &Move) -> String {
    let id = fresh_id("chatcmpl");
    let mut out = String::new();
    let mut chunk = |delta: Value, finish: Option<&str>, usage: bool| {
        let mut data = json!({"id": id, "object": "chat.completion.chunk", "created": 1_795_000_000,
                              "model": "test-model",
                              "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        if usage {
            data["usage"] =
                json!({"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13});
        }
        out.push_str(&format!("data: {data}\n\n"));
    };
    let finish = match chosen {
        Move::Text(text) => {
            chunk(json!({"role": "assistant", "content": text}), None, false);
            "stop"
        }
        Move::Call {
            text,
            name,
            arguments,
        } => {
            if let Some(text) = text {
                chunk(json!({"role": "assistant", "content": text}), None, false);
            }
            chunk(
                json!({"role": "assistant", "tool_calls": [{"index": 0, "id": fresh_id("call"),
                       "type": "function",
                       "function": {"name": name, "arguments": arguments.to_string()}}]}),
                None,
                false,
            );
            "tool_calls"
        }
        Move::Error => "stop",
    };
    chunk(json!({}), Some(finish), true);
    out.push_str("data: [DONE]\n\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_api::{FAIL_REPLY, FAILING_COMMAND, Script, say};

    fn data_lines(stream: &str) -> Vec<Value> {
        stream
            .lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter(|d| *d != "[DONE]")
            .map(|d| serde_json::from_str(d).unwrap())
            .collect()
    }

    #[test]
    fn responses_text_has_every_event_copilot_needs() {
        let body = json!({"stream": true, "input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": say("hello")}]}]});
        let reply = responses(&body);
        let names: Vec<&str> = reply
            .body
            .lines()
            .filter_map(|l| l.strip_prefix("event: "))
            .collect();
        assert_eq!(
            names,
            [
                "response.created",
                "response.output_item.added",
                "response.content_part.added",
                "response.output_text.delta",
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
                "response.completed"
            ]
        );
        let completed = data_lines(&reply.body).pop().unwrap();
        assert_eq!(
            completed["response"]["output"][0]["content"][0]["text"],
            "hello"
        );
    }

    #[test]
    fn responses_tool_call_then_reply_after_the_output() {
        let tools = json!([{"type": "function", "name": "exec_command",
            "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}}]);
        let user = json!({"type": "message", "role": "user",
                          "content": [{"type": "input_text", "text": Script::ToolFails.prompt()}]});
        let first = responses(&json!({"input": [user], "tools": tools}));
        let done = data_lines(&first.body).pop().unwrap();
        let call = &done["response"]["output"][0];
        assert_eq!(call["name"], "exec_command");
        let args: Value = serde_json::from_str(call["arguments"].as_str().unwrap()).unwrap();
        assert_eq!(args["cmd"], FAILING_COMMAND);
        let output =
            json!({"type": "function_call_output", "call_id": call["call_id"], "output": "exit 2"});
        let second = responses(&json!({"input": [user, call, output], "tools": tools}));
        assert_eq!(second.described, format!("text {FAIL_REPLY:?}"));
    }

    #[test]
    fn api_error_is_a_500_in_openai_shape() {
        let body = json!({"messages": [{"role": "user", "content": Script::ApiError.prompt()}]});
        let reply = chat(&body);
        assert_eq!(reply.status, 500);
        let parsed: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(parsed["error"]["type"], "server_error");
    }

    #[test]
    fn chat_tool_call_chunks_end_with_tool_calls_and_done() {
        let tools = json!([{"type": "function", "function": {"name": "bash",
            "parameters": {"type": "object", "properties": {"command": {"type": "string"},
                           "description": {"type": "string"}}, "required": ["command", "description"]}}}]);
        let body = json!({"messages": [{"role": "system", "content": "x"},
                                       {"role": "user", "content": [{"type": "text", "text": Script::ToolFails.prompt()}]}],
                          "tools": tools});
        let reply = chat(&body);
        assert!(reply.body.ends_with("data: [DONE]\n\n"));
        let chunks = data_lines(&reply.body);
        let call = &chunks[0]["choices"][0]["delta"]["tool_calls"][0];
        assert_eq!(call["function"]["name"], "bash");
        assert_eq!(
            chunks.last().unwrap()["choices"][0]["finish_reason"],
            "tool_calls"
        );
        let with_result = json!({"messages": [body["messages"][1], {"role": "assistant", "tool_calls": [call]},
                                              {"role": "tool", "tool_call_id": call["id"], "content": "exit 2"}],
                                 "tools": tools});
        assert_eq!(chat(&with_result).described, format!("text {FAIL_REPLY:?}"));
    }
}
