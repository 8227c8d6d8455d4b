//! The Gemini wire format of [`crate::model_api::FakeModelApi`] (Gemini CLI):
//! `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` for the turn, and plain
//! `:generateContent` for the CLI's side requests (model routing, next-speaker checks), which
//! get a JSON text part. Routed on the suffix, never on model names.

use serde_json::{Value, json};

use crate::model_api::{Conversation, Move, Reply, next_move};

/// Reads a Gemini request: user turns with text parts are prompts, `functionResponse` parts
/// are tool results.
fn conversation(body: &Value) -> Conversation {
    let mut c = Conversation::default();
    let contents = body.get("contents").and_then(Value::as_array);
    for content in contents.into_iter().flatten() {
        if content.get("role").and_then(Value::as_str) == Some("model") {
            continue;
        }
        let parts = content.get("parts").and_then(Value::as_array);
        let parts = parts.map(Vec::as_slice).unwrap_or_default();
        if parts.iter().any(|p| p.get("functionResponse").is_some()) {
            c.tool_result();
            continue;
        }
        let text: Vec<&str> = parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect();
        c.user(&text.join("\n"));
    }
    let tools = body.get("tools").and_then(Value::as_array);
    for tool in tools.into_iter().flatten() {
        let declarations = tool.get("functionDeclarations").and_then(Value::as_array);
        for declaration in declarations.into_iter().flatten() {
            if let Some(name) = declaration.get("name").and_then(Value::as_str) {
                let schema = declaration
                    .get("parametersJsonSchema")
                    .or_else(|| declaration.get("parameters"))
                    .unwrap_or(&Value::Null);
                c.offer(name, schema);
            }
        }
    }
    c
}

fn candidate(parts: Value) -> Value {
    json!({"candidates": [{"content": {"parts": parts, "role": "model"}, "finishReason": "STOP", "index": 0}],
           "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 3, "totalTokenCount": 13}})
}

/// Answers a `POST /v1beta/models/...` request at `path`.
pub(crate) fn answer(path: &str, body: &Value) -> Reply {
    if path.ends_with(":countTokens") {
        return Reply::json(200, &json!({"totalTokens": 42}));
    }
    if path.ends_with(":generateContent") {
        // Side requests ask for JSON: one object that satisfies the routers and the
        // next-speaker check alike.
        let text = json!({"reasoning": "e2e", "model_choice": "flash", "next_speaker": "user",
                          "complexity_reasoning": "e2e", "complexity_score": 1});
        let mut reply = Reply::json(200, &candidate(json!([{"text": text.to_string()}])));
        reply.described = "side request json".to_owned();
        return reply;
    }
    if !path.ends_with(":streamGenerateContent") {
        return Reply::json(
            404,
            &json!({"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}),
        );
    }
    let chosen = next_move(&conversation(body));
    let parts = match &chosen {
        Move::Text(text) => json!([{"text": text}]),
        Move::Call {
            text,
            name,
            arguments,
        } => {
            let call = json!({"functionCall": {"name": name, "args": arguments}});
            match text {
                Some(text) => json!([{"text": text}, call]),
                None => json!([call]),
            }
        }
        Move::Error => {
            let mut reply = Reply::json(
                500,
                &json!({"error": {"code": 500, "message": "Internal error (e2e script)", "status": "INTERNAL"}}),
            );
            reply.described = "500 INTERNAL".to_owned();
            return reply;
        }
    };
    Reply::stream(format!("data: {}\n\n", candidate(parts)), chosen.describe())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_api::{FAILING_COMMAND, Script, TOOL_REPLY, say};

    const STREAM: &str = "/v1beta/models/gemini-x:streamGenerateContent";

    fn stream_value(reply: &Reply) -> Value {
        let data = reply.body.strip_prefix("data: ").unwrap().trim();
        serde_json::from_str(data).unwrap()
    }

    #[test]
    fn a_plain_prompt_streams_its_text() {
        let body = json!({"contents": [{"role": "user", "parts": [{"text": say("hi you")}]}]});
        let reply = answer(STREAM, &body);
        assert_eq!(reply.content_type, "text/event-stream");
        assert_eq!(
            stream_value(&reply)["candidates"][0]["content"]["parts"][0]["text"],
            "hi you"
        );
    }

    #[test]
    fn a_tool_script_calls_the_shell_then_replies() {
        let tools = json!([{"functionDeclarations": [
            {"name": "read_file", "parametersJsonSchema": {"type": "object"}},
            {"name": "run_shell_command", "parametersJsonSchema": {"type": "object",
             "properties": {"command": {"type": "string"}, "description": {"type": "string"}},
             "required": ["command"]}}]}]);
        let prompt = json!({"role": "user", "parts": [{"text": Script::ToolFails.prompt()}]});
        let reply = answer(STREAM, &json!({"contents": [prompt], "tools": tools}));
        let call = &stream_value(&reply)["candidates"][0]["content"]["parts"][0]["functionCall"];
        assert_eq!(call["name"], "run_shell_command");
        assert_eq!(call["args"]["command"], FAILING_COMMAND);

        let tool_prompt = json!({"role": "user", "parts": [{"text": Script::Tool.prompt()}]});
        let result = json!({"role": "user", "parts": [{"functionResponse": {"name": "run_shell_command", "response": {}}}]});
        let model = json!({"role": "model", "parts": [{"functionCall": call}]});
        let after = answer(
            STREAM,
            &json!({"contents": [tool_prompt, model, result], "tools": tools}),
        );
        assert_eq!(after.described, format!("text {TOOL_REPLY:?}"));
    }

    #[test]
    fn side_requests_get_json_text_and_errors_are_500() {
        let side = answer("/v1beta/models/flash-lite:generateContent", &json!({}));
        let parsed: Value = serde_json::from_str(&side.body).unwrap();
        let text = parsed["candidates"][0]["content"]["parts"][0]["text"]
            .as_str()
            .unwrap();
        assert!(serde_json::from_str::<Value>(text).is_ok());
        let body =
            json!({"contents": [{"role": "user", "parts": [{"text": Script::ApiError.prompt()}]}]});
        assert_eq!(answer(STREAM, &body).status, 500);
    }
}
