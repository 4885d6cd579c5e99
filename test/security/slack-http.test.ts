import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { slackSignature } from "@/lib/slack/verify";
import { freshDemoDb } from "../support/demo-db";
import { startConsoleServer, type ConsoleServer } from "./console-server";

// Slack's two endpoints as an attacker reaches them: through the real production server
// (Next.js included), unauthenticated except for Slack's v0 signature. Missing, forged,
// stale and replayed signatures are 401; a signed but malformed body is a 400; never a 5xx.

const SECRET = "slack-http-signing-secret-0123456789";
let ctx: Awaited<ReturnType<typeof freshDemoDb>>;
let server: ConsoleServer;

beforeAll(async () => {
  ctx = await freshDemoDb();
  // The production start refuses live demo accounts and keys.
  await db().user.updateMany({ data: { disabled: true } });
  await db().agentCredential.updateMany({ data: { revokedAt: new Date() } });
  server = await startConsoleServer(ctx.databaseUrl, ctx.dataDir, { GATEHOUSE_SLACK_SIGNING_SECRET: SECRET });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await ctx?.cleanup();
});

const now = () => String(Math.floor(Date.now() / 1000));
const post = (path: string, body: string, headers: Record<string, string>) =>
  fetch(`${server.url}${path}`, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded", ...headers } });
const signed = (body: string, ts = now(), secret = SECRET) => ({ "x-slack-request-timestamp": ts, "x-slack-signature": slackSignature(secret, ts, body) });

describe("Slack endpoints through the real server", () => {
  for (const path of ["/api/slack/interactions", "/api/slack/commands"]) {
    it(`${path}: missing, forged and stale signatures are 401 and change nothing`, async () => {
      const body = path.endsWith("commands") ? "command=%2Fgatehouse&text=link+ABCDEF&user_id=U1&team_id=T1" : `payload=${encodeURIComponent("{}")}`;
      const before = await db().slackSeenRequest.count();
      expect((await post(path, body, {})).status).toBe(401);
      expect((await post(path, body, signed(body, now(), "another-secret-of-enough-length"))).status).toBe(401);
      expect((await post(path, body, signed(body, String(Math.floor(Date.now() / 1000) - 600)))).status).toBe(401);
      expect((await post(path, body, { ...signed(body), "x-slack-request-timestamp": "not-a-number" })).status).toBe(401);
      expect(await db().slackSeenRequest.count()).toBe(before);
    });
  }

  it("a signed request is accepted once; its replay is 401", async () => {
    const body = "command=%2Fgatehouse&text=link+NOSUCHCODE&user_id=U1&team_id=T1";
    const h = signed(body);
    const first = await post("/api/slack/commands", body, h);
    expect(first.status).toBeLessThan(300);
    const again = await post("/api/slack/commands", body, h);
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ error: "replayed" });
  });

  it("signed but malformed bodies are 4xx, never 5xx", async () => {
    for (const body of ["payload=%7Bnot-json", "payload=" + encodeURIComponent(JSON.stringify({ type: "block_actions", actions: [{ value: "x".repeat(5000) }] })), "%%%", ""]) {
      const res = await post("/api/slack/interactions", body, signed(body));
      expect(res.status, body.slice(0, 40)).toBeLessThan(500);
    }
    expect(server.log()).not.toContain(SECRET);
  });
});
