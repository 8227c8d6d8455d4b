// cc-notify for OpenCode: hands the events that matter to `cc-notify hook --agent opencode`,
// which pushes to your phone when a turn ends or a permission is asked while you are away.
// Written by `cc-notify install --agent opencode`; `cc-notify uninstall` removes it.
import { spawn } from "node:child_process";

const CC_NOTIFY = "cc-notify";
const FORWARD = new Set(["session.idle", "session.error", "session.deleted", "permission.asked", "permission.replied"]);

const roles = new Map(); // message id -> role
const prompts = new Set(); // user messages already reported
const replies = new Map(); // session id -> text of its last assistant message

function send(event, extra) {
  try {
    const child = spawn(CC_NOTIFY, ["hook", "--agent", "opencode"], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
    });
    child.on("error", () => {});
    child.stdin.on("error", () => {});
    child.stdin.end(JSON.stringify({ ...event, ...extra }));
    child.unref();
  } catch {
    // Never disturb OpenCode.
  }
}

export const CcNotify = async ({ directory }) => ({
  event: async ({ event }) => {
    const props = event.properties || {};
    if (event.type === "message.updated") {
      const info = props.info || {};
      roles.set(info.id, info.role);
      if (info.role === "user" && !prompts.has(info.id)) {
        prompts.add(info.id);
        send(event, { directory });
      }
    } else if (event.type === "message.part.updated") {
      const part = props.part || {};
      if (part.type === "text" && part.text && roles.get(part.messageID) === "assistant") {
        replies.set(part.sessionID, part.text);
      } else if (part.type === "tool" && ["completed", "error"].includes(part.state?.status)) {
        send(event, { directory });
      }
    } else if (event.type === "session.idle") {
      const reply = replies.get(props.sessionID);
      replies.delete(props.sessionID);
      send(event, { directory, reply });
    } else if (FORWARD.has(event.type)) {
      send(event, { directory });
    }
  },
});
