import http from "node:http";
import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeUser } from "./support/fixtures";
import { demoAgent, sessionRequest } from "./security/helpers";
import { db } from "@/lib/db/client";
import { resetEnvForTests } from "@/lib/env";
import { authenticateAgent } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { enqueueDueNotifications } from "@/lib/notifications/sweep";
import { deliverDueNotifications, NOTIFY_BACKOFF_MS } from "@/lib/notifications/deliver";
import { slackSignature, verifySlackRequest } from "@/lib/slack/verify";
import { escapeMrkdwn } from "@/lib/slack/mrkdwn";
import { openBreakGlass } from "@/lib/break-glass/open-break-glass";
import { setKillSwitch } from "@/lib/kill-switches/set-kill-switch";
import { POST as interactionsRoute } from "@/app/api/slack/interactions/route";
import { POST as commandsRoute } from "@/app/api/slack/commands/route";
import { POST as linkCodeRoute } from "@/app/api/console/slack-link/route";

// Slack (issue 22): Slack's own published signature example; a local stand-in
// for the Web API that checks what Slack checks (bearer token, JSON content
// type, a known channel, Block Kit shape and limits); linking through the
// console with a code sent from Slack; the button flow end to end; forged,
// stale and replayed requests refused; no buttons where a chat vote may not decide.

// From Slack's "Verifying requests from Slack" (api.slack.com/authentication/verifying-requests-from-slack).
const DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const DOC_TS = "1531420618";
const DOC_BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const DOC_SIG = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

const SECRET = "test-signing-secret-0123456789abcdef";
const TOKEN = "xoxb-1234567890-test-stand-in-token";
const CHANNEL = "C0GATEHOUSE";
const TEAM = "T0TEAM";

type Posted = { channel: string; text: string; blocks: Record<string, any>[] };
const posted: Posted[] = [];
const hooked: Posted[] = [];
let apiPort = 0;
let failNext = 0;
let api: http.Server;
let cleanup: () => Promise<void>;
const u: Record<string, string> = {};
let n = 0;

/** What Slack's chat.postMessage would refuse, as Slack names it. */
function slackWouldRefuse(req: http.IncomingMessage, raw: string): string | null {
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return "invalid_auth";
  if (!/^application\/json(;\s*charset=utf-8)?$/i.test(req.headers["content-type"] ?? "")) return "invalid_form_data";
  let body: any;
  try {
    body = JSON.parse(raw);
  } catch {
    return "invalid_json";
  }
  if (body.channel !== CHANNEL) return "channel_not_found";
  if (typeof body.text !== "string" || body.text.length === 0 || body.text.length > 40_000) return "no_text";
  if (!Array.isArray(body.blocks) || body.blocks.length > 50) return "invalid_blocks";
  for (const b of body.blocks) {
    if (b.block_id !== undefined && (typeof b.block_id !== "string" || b.block_id.length > 255)) return "invalid_blocks";
    if (b.type === "section") {
      if (b.text?.type !== "mrkdwn" || typeof b.text.text !== "string" || b.text.text.length > 3000) return "invalid_blocks";
    } else if (b.type === "actions") {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) return "invalid_blocks";
      const ids = new Set<string>();
      for (const e of b.elements) {
        if (e.type !== "button" || e.text?.type !== "plain_text" || e.text.text.length > 75) return "invalid_blocks";
        if (typeof e.action_id !== "string" || e.action_id.length > 255 || ids.has(e.action_id)) return "invalid_blocks";
        ids.add(e.action_id);
        if (e.value !== undefined && (typeof e.value !== "string" || e.value.length > 2000)) return "invalid_blocks";
        if (e.url !== undefined && (typeof e.url !== "string" || e.url.length > 3000 || !/^https?:\/\//.test(e.url))) return "invalid_blocks";
        if (e.style !== undefined && !["primary", "danger"].includes(e.style)) return "invalid_blocks";
      }
    } else return "invalid_blocks";
  }
  return null;
}

function sign(body: string, ts = String(Math.floor(Date.now() / 1000)), secret = SECRET) {
  const sig = `v0=${crypto.createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`; // independent of lib/slack/verify.ts
  return { "x-slack-request-timestamp": ts, "x-slack-signature": sig, "content-type": "application/x-www-form-urlencoded" };
}

const slackPost = (route: typeof interactionsRoute, url: string, body: string, headers: Record<string, string>) =>
  route(new Request(`http://localhost:3000${url}`, { method: "POST", body, headers }), { params: Promise.resolve({}) });

function clickBody(slackUser: string, actionId: string, value: string): string {
  const payload = { type: "block_actions", team: { id: TEAM }, user: { id: slackUser }, actions: [{ action_id: actionId, value, type: "button" }] };
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

async function propose(tenant: string, tool: string, args: Record<string, unknown>): Promise<string> {
  const a = demoAgent(tenant, "prod", "support/send");
  const p = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${a.key}` } }));
  const run = await startRun(p, "support/send", { requestId: "slack" });
  return (await proposeAction(p, { run_id: run.run_id, tool, args, idempotency_key: `slack-${++n}`, reason: "customer asked" }, { requestId: "slack" })).view.action_id;
}

const messageFor = (id: string) => posted.find((m) => m.blocks.some((b) => b.block_id === `gatehouse:${id}`));
const buttons = (m: Posted) => m.blocks.filter((b) => b.type === "actions").flatMap((b) => b.elements as Record<string, any>[]);

async function linkSlack(userId: string, slackUser: string): Promise<Response> {
  const res = await linkCodeRoute(await sessionRequest(userId, "http://localhost:3000/api/console/slack-link", { method: "POST", headers: { "x-gatehouse-console": "1" } }), {
    params: Promise.resolve({}),
  });
  const { code } = (await res.json()) as { code: string };
  const body = new URLSearchParams({ command: "/gatehouse", text: `link ${code}`, team_id: TEAM, user_id: slackUser }).toString();
  return slackPost(commandsRoute, "/api/slack/commands", body, sign(body));
}

beforeAll(async () => {
  api = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/services/T0TEAM/B0HOOK/secretpath") {
        // An incoming webhook: JSON, no channel, no auth header; Slack answers the text "ok".
        const body = JSON.parse(raw) as Posted;
        if (!/^application\/json/.test(req.headers["content-type"] ?? "") || "channel" in body || req.headers.authorization) return res.writeHead(400).end("invalid_payload");
        hooked.push(body);
        return res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      }
      res.setHeader("content-type", "application/json");
      if (req.method !== "POST" || req.url !== "/api/chat.postMessage") return res.writeHead(404).end(JSON.stringify({ ok: false, error: "unknown_method" }));
      if (failNext > 0) {
        failNext--;
        return res.writeHead(503).end(JSON.stringify({ ok: false, error: "service_unavailable" }));
      }
      const refused = slackWouldRefuse(req, raw);
      if (refused) return res.writeHead(200).end(JSON.stringify({ ok: false, error: refused }));
      posted.push(JSON.parse(raw) as Posted);
      res.writeHead(200).end(JSON.stringify({ ok: true, channel: CHANNEL, ts: `${Date.now() / 1000}` }));
    });
  });
  const port = await new Promise<number>((r) => api.listen(0, "127.0.0.1", () => r((api.address() as { port: number }).port)));
  apiPort = port;
  ({ cleanup } = await freshDemoDb());
  Object.assign(process.env, {
    GATEHOUSE_URL: "https://gatehouse.example.test",
    GATEHOUSE_SLACK_BOT_TOKEN: TOKEN,
    GATEHOUSE_SLACK_CHANNEL: CHANNEL,
    GATEHOUSE_SLACK_API_URL: `http://127.0.0.1:${port}/api`,
    GATEHOUSE_SLACK_SIGNING_SECRET: SECRET,
  });
  resetEnvForTests();
  await db().user.updateMany({ data: { disabled: true } });
  u.rev = await makeUser("rev.slack@example.com", ["reviewer"]);
  u.rev2 = await makeUser("rev2.slack@example.com", ["reviewer"]);
  u.globexOnly = await makeUser("globex.slack@example.com", ["reviewer"]);
  await db().user.update({ where: { id: u.globexOnly }, data: { scopes: "globex/prod" } });
}, 60_000);

afterAll(async () => {
  for (const k of ["GATEHOUSE_URL", "GATEHOUSE_SLACK_BOT_TOKEN", "GATEHOUSE_SLACK_CHANNEL", "GATEHOUSE_SLACK_API_URL", "GATEHOUSE_SLACK_SIGNING_SECRET"]) delete process.env[k];
  resetEnvForTests();
  await cleanup();
  await new Promise<void>((r) => api.close(() => r()));
});

describe("Slack request signatures", () => {
  it("Slack's published example verifies", () => {
    expect(slackSignature(DOC_SECRET, DOC_TS, DOC_BODY)).toBe(DOC_SIG);
    expect(verifySlackRequest(DOC_SECRET, { timestamp: DOC_TS, signature: DOC_SIG }, DOC_BODY, Number(DOC_TS) * 1000 + 60_000)).toBe("ok");
  });
  it("a changed body, another secret, a stale or future timestamp, a missing header are refused", () => {
    const at = Number(DOC_TS) * 1000;
    expect(verifySlackRequest(DOC_SECRET, { timestamp: DOC_TS, signature: DOC_SIG }, DOC_BODY.replace("roadrunner", "coyote"), at)).toBe("bad_signature");
    expect(verifySlackRequest("another-secret-0123456789", { timestamp: DOC_TS, signature: DOC_SIG }, DOC_BODY, at)).toBe("bad_signature");
    expect(verifySlackRequest(DOC_SECRET, { timestamp: DOC_TS, signature: DOC_SIG }, DOC_BODY, at + 301_000)).toBe("stale");
    expect(verifySlackRequest(DOC_SECRET, { timestamp: DOC_TS, signature: DOC_SIG }, DOC_BODY, at - 301_000)).toBe("stale");
    expect(verifySlackRequest(DOC_SECRET, { timestamp: null, signature: DOC_SIG }, DOC_BODY, at)).toBe("missing");
    expect(verifySlackRequest(undefined, { timestamp: DOC_TS, signature: DOC_SIG }, DOC_BODY, at)).toBe("missing");
    expect(verifySlackRequest(DOC_SECRET, { timestamp: DOC_TS, signature: DOC_SIG.slice(0, -1) }, DOC_BODY, at)).toBe("bad_signature");
  });
  it("agent text cannot ping, link or restyle in Slack", () => {
    const out = escapeMrkdwn("hi <!channel> <@U123> <https://evil.example|click> @here & *bold*");
    expect(out).not.toMatch(/[<>]/);
    expect(out).toContain("&lt;!channel&gt;");
    expect(out).toContain("&amp;");
    expect(out).not.toMatch(/@here/);
    expect(out).not.toMatch(/\*bold\*/);
  });
});

describe("Slack messages and buttons", () => {
  it("a Slack identity is linked only through a code made in the console and sent from Slack", async () => {
    const wrong = new URLSearchParams({ command: "/gatehouse", text: "link ABCDE-FGHJK", team_id: TEAM, user_id: "U0REV" }).toString();
    const refused = await slackPost(commandsRoute, "/api/slack/commands", wrong, sign(wrong));
    expect(((await refused.json()) as { text: string }).text).toMatch(/unknown or expired/);
    expect(await db().slackLink.count()).toBe(0);
    const res = await linkSlack(u.rev!, "U0REV");
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text).toContain("rev.slack@example.com");
    expect(await db().slackLink.findUnique({ where: { userId: u.rev } })).toMatchObject({ teamId: TEAM, slackUserId: "U0REV" });
    expect(await db().auditEvent.count({ where: { type: "slack.linked", actorId: u.rev } })).toBe(1);
    await linkSlack(u.globexOnly!, "U0GLOBEX");
    // The code is single use and stored hashed.
    expect(await db().slackLinkCode.count({ where: { usedAt: null, userId: u.rev } })).toBe(0);
  });

  it("button approval end to end: message posted to the stand-in → signed click → vote by the linked user → approved", async () => {
    const id = await propose("acme", "ticket.create", { customer_id: "C-1042", subject: "Refund <!channel> now @here", body: "card 4242 4242 4242 4242" });
    expect(await enqueueDueNotifications()).toBeGreaterThanOrEqual(1);
    await deliverDueNotifications();
    const m = messageFor(id)!;
    expect(m).toBeDefined();
    const text = JSON.stringify(m);
    expect(text).not.toContain("<!channel>");
    expect(text).not.toMatch(/@here/);
    expect(text).toContain(`https://gatehouse.example.test/queue?id=${id}`);
    const approve = buttons(m).find((b) => b.action_id === "gatehouse_approve")!;
    expect(approve).toBeDefined();
    expect(await db().auditEvent.count({ where: { type: "notification.sent", actionId: id } })).toBeGreaterThanOrEqual(1);
    const body = clickBody("U0REV", "gatehouse_approve", approve.value as string);
    const headers = sign(body);
    const res = await slackPost(interactionsRoute, "/api/slack/interactions", body, headers);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { text: string }).text).toMatch(/^Approved/);
    const a = await db().action.findUniqueOrThrow({ where: { id } });
    expect(a.status).toBe("approved");
    expect(await db().approval.findFirstOrThrow({ where: { actionId: id } })).toMatchObject({ userId: u.rev, channel: "chat", vote: "approve" });
    // The same signed request again: a replay, refused, nothing more recorded.
    const again = await slackPost(interactionsRoute, "/api/slack/interactions", body, headers);
    expect(again.status).toBe(401);
    expect(await db().approval.count({ where: { actionId: id } })).toBe(1);
  });

  it("a click after a kill switch went on: denied at the re-check, and Slack is told why in words", async () => {
    const id = await propose("acme", "ticket.create", { customer_id: "C-1042", subject: "Refund", body: "order 1042" });
    await enqueueDueNotifications();
    await deliverDueNotifications();
    const approve = buttons(messageFor(id)!).find((b) => b.action_id === "gatehouse_approve")!;
    const admin = await makeUser("admin.slack@example.com", ["admin"]);
    await setKillSwitch({ scope: "tool", tenantId: "acme", tool: "ticket.create", enabled: true, reason: "incident", actorId: admin });
    try {
      const body = clickBody("U0REV", "gatehouse_approve", approve.value as string);
      const res = await slackPost(interactionsRoute, "/api/slack/interactions", body, sign(body));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { text: string }).text).toBe(`Not approved: ticket.create (${id}) was denied when your approval was checked — a kill switch stopped it.`);
      expect((await db().action.findUniqueOrThrow({ where: { id } })).status).toBe("denied");
    } finally {
      await setKillSwitch({ scope: "tool", tenantId: "acme", tool: "ticket.create", enabled: false, reason: "over", actorId: admin });
    }
  });

  it("forged, stale and replayed clicks are refused before anything is read", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-8101" });
    const a = await db().action.findUniqueOrThrow({ where: { id } });
    const body = clickBody("U0REV", "gatehouse_approve", JSON.stringify({ a: id, h: a.argsHash }));
    const forged = await slackPost(interactionsRoute, "/api/slack/interactions", body, sign(body, undefined, "not-the-signing-secret-0000"));
    expect(forged.status).toBe(401);
    const stale = await slackPost(interactionsRoute, "/api/slack/interactions", body, sign(body, String(Math.floor(Date.now() / 1000) - 301)));
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: string }).error).toBe("stale_timestamp");
    const headers = sign(body);
    const ok = await slackPost(interactionsRoute, "/api/slack/interactions", body, headers);
    expect(ok.status).toBe(200);
    await db().approval.deleteMany({ where: { actionId: id } }); // even if the vote were undone, the same request cannot be sent again
    const replay = await slackPost(interactionsRoute, "/api/slack/interactions", body, headers);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: string }).error).toBe("replayed");
  });

  it("destructive actions get no buttons, and a crafted click on one is refused (console only)", async () => {
    const id = await propose("acme", "customer.delete", { customer_id: "C-8102" });
    await enqueueDueNotifications();
    await deliverDueNotifications();
    const m = messageFor(id)!;
    expect(buttons(m).map((b) => b.action_id)).toEqual(["gatehouse_open"]);
    expect(JSON.stringify(m)).toMatch(/decide in the console/);
    const a = await db().action.findUniqueOrThrow({ where: { id } });
    const body = clickBody("U0REV", "gatehouse_approve", JSON.stringify({ a: id, h: a.argsHash }));
    const res = await slackPost(interactionsRoute, "/api/slack/interactions", body, sign(body));
    expect(((await res.json()) as { text: string }).text).toMatch(/needs the console/);
    expect(await db().approval.count({ where: { actionId: id } })).toBe(0);
    expect(await db().auditEvent.count({ where: { type: "slack.vote_refused", reason: "console_only", actionId: id } })).toBe(1);
  });

  it("a click is re-checked as a console vote: args changed, out of scope, unlinked — nothing recorded", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-8103" });
    const a = await db().action.findUniqueOrThrow({ where: { id } });
    const click = async (slackUser: string, h: string) => {
      const body = clickBody(slackUser, "gatehouse_approve", JSON.stringify({ a: id, h }));
      return ((await (await slackPost(interactionsRoute, "/api/slack/interactions", body, sign(body))).json()) as { text: string }).text;
    };
    expect(await click("U0REV", "0".repeat(64))).toMatch(/arguments changed/);
    expect(await click("U0GLOBEX", a.argsHash)).toBe("No such action."); // the same answer as a missing id
    expect(await click("U0NOBODY", a.argsHash)).toMatch(/not linked/);
    expect(await db().approval.count({ where: { actionId: id } })).toBe(0);
    expect((await db().action.findUniqueOrThrow({ where: { id } })).status).toBe("pending");
  });

  it("break-glass opened goes to Slack as a console link only, masked", async () => {
    const oncall = await makeUser("oncall.slack@example.com", ["oncall", "reviewer"]);
    const before = posted.length;
    await openBreakGlass(oncall, { password: "pw-oncall.slack@example.com", reason: "outage <!here> token sk_live_4eC39HqLyjWDarjtT1zdp7dc" });
    await enqueueDueNotifications();
    await deliverDueNotifications();
    const m = posted.slice(before).find((x) => x.text === "Break-glass opened")!;
    expect(m).toBeDefined();
    expect(buttons(m).map((b) => b.action_id)).toEqual(["gatehouse_open"]);
    const text = JSON.stringify(m);
    expect(text).not.toContain("sk_live_4eC39HqLyjWDarjtT1zdp7dc");
    expect(text).not.toContain("<!here>");
    expect(text).toContain("https://gatehouse.example.test/break-glass/review/");
    await db().breakGlassSession.updateMany({ data: { endedAt: new Date() } });
  });

  it("through an incoming webhook: the same message with the card link, never buttons", async () => {
    Object.assign(process.env, { GATEHOUSE_SLACK_WEBHOOK_URL: `http://127.0.0.1:${apiPort}/services/T0TEAM/B0HOOK/secretpath` });
    delete process.env.GATEHOUSE_SLACK_BOT_TOKEN;
    delete process.env.GATEHOUSE_SLACK_CHANNEL;
    resetEnvForTests();
    try {
      const id = await propose("acme", "ticket.close", { ticket_id: "T-8105" });
      await enqueueDueNotifications();
      await deliverDueNotifications();
      const m = hooked.find((x) => x.blocks.some((b) => b.block_id === `gatehouse:${id}`))!;
      expect(m).toBeDefined();
      expect(buttons(m).map((b) => b.action_id)).toEqual(["gatehouse_open"]);
      expect(await db().notificationOutbox.findFirstOrThrow({ where: { subjectId: id, channel: "slack" } })).toMatchObject({ status: "sent", recipient: "webhook" });
    } finally {
      delete process.env.GATEHOUSE_SLACK_WEBHOOK_URL;
      Object.assign(process.env, { GATEHOUSE_SLACK_BOT_TOKEN: TOKEN, GATEHOUSE_SLACK_CHANNEL: CHANNEL });
      resetEnvForTests();
    }
  });

  it("a failing Slack never blocks a decision: the failure is audited and retried", async () => {
    const id = await propose("acme", "ticket.close", { ticket_id: "T-8104" });
    await enqueueDueNotifications();
    failNext = 100;
    const [, failed] = await deliverDueNotifications();
    expect(failed).toBeGreaterThan(0);
    expect(await db().auditEvent.count({ where: { type: "notification.failed", actionId: id, status: "retrying" } })).toBe(1);
    expect((await voteOnAction({ actionId: id, userId: u.rev2!, vote: "approve", requestId: "slack" })).status).toBe("approved");
    failNext = 0;
    const [sent] = await deliverDueNotifications(new Date(Date.now() + NOTIFY_BACKOFF_MS[0]! + 1000));
    expect(sent).toBeGreaterThan(0);
    expect(messageFor(id)).toBeDefined();
  });
});
