import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { db } from "@/lib/db/client";
import { main as cli } from "@/scripts/gatehouse";
import { freshDemoDb } from "../support/demo-db";
import { makeUser } from "../support/fixtures";
import { consoleFetch, signIn, startConsoleServer, type ConsoleServer } from "./console-server";

// The policy-as-code round trip on a fresh instance, over real HTTP against the
// production server: an admin makes an API token in the console, the CLI
// exports the bundle, a broken expectation makes `test` fail, `apply` of a
// widening stays pending (the token's own approval does not count), and only a
// second admin approving in the console makes it active.

let ctx: Awaited<ReturnType<typeof freshDemoDb>>;
let server: ConsoleServer;
let dir: string;

beforeAll(async () => {
  ctx = await freshDemoDb();
  await db().user.updateMany({ data: { disabled: true } });
  await db().agentCredential.updateMany({ data: { revokedAt: new Date() } });
  await makeUser("admin.cli@example.com", ["admin"], "admin-cli-password");
  await makeUser("admin2.cli@example.com", ["admin"], "admin2-cli-password");
  await makeUser("reviewer.cli@example.com", ["reviewer"], "reviewer-cli-password");
  server = await startConsoleServer(ctx.databaseUrl, ctx.dataDir);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "gh-cli-"));
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await ctx?.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], token: string) {
  const lines: string[] = [];
  const code = await cli(args, { GATEHOUSE_URL: server.url, GATEHOUSE_TOKEN: token }, { log: (s) => lines.push(s), err: (s) => lines.push(s) });
  return { code, out: lines.join("\n") };
}

describe("gatehouse policy export | test | diff | apply, against a fresh instance", () => {
  it("round trip: export, a failing test, a pending widening that only a second admin in the console activates", async () => {
    const admin = await signIn(server.url, "admin.cli@example.com", "admin-cli-password");
    const made = await consoleFetch(server.url, admin, "/api/console/api-tokens", {
      method: "POST",
      body: { name: "ci", scopes: ["policy:read", "policy:write", "policy:approve"], expires_in_days: 7 },
    });
    expect(made.status).toBe(201);
    const { token, id } = (await made.json()) as { token: string; id: string };
    expect(token).toMatch(/^gh_tok_[0-9a-f]{16}_/);
    // Hashed at rest: the secret is nowhere in the row; listing never shows it.
    const row = await db().apiToken.findUniqueOrThrow({ where: { id } });
    expect(JSON.stringify(row)).not.toContain(token.slice("gh_tok_".length + 17));
    expect(await (await consoleFetch(server.url, admin, "/api/console/api-tokens")).text()).not.toContain(token);

    // Export (JSON and YAML say the same).
    const exported = await run(["policy", "export"], token);
    expect(exported.code).toBe(0);
    const bundle = JSON.parse(exported.out) as { routes: { name: string; version: number; policy: Record<string, any>; tests: { tool: string; expect: string }[] }[] };
    const yaml = await run(["policy", "export", "--yaml"], token);
    expect((parseYaml(yaml.out) as typeof bundle).routes).toEqual(bundle.routes);
    const file = path.join(dir, "bundle.yaml");

    // A broken expectation: `test` fails, naming it.
    const research = bundle.routes.find((r) => r.name === "research")!;
    research.tests.push({ tool: "tickets.get", expect: "allowed" });
    fs.writeFileSync(file, JSON.stringify(bundle));
    const failing = await run(["policy", "test", file], token);
    expect(failing.code).toBe(1);
    expect(failing.out).toContain("FAIL research: tickets.get is allowed without approval — fails: it is denied.");

    // Edit the policy to match: a widening. `diff` shows the cell; `apply` leaves it pending.
    research.policy.allow_tools.push("tickets.get");
    fs.writeFileSync(file, JSON.stringify(bundle));
    expect((await run(["policy", "test", file], token)).code).toBe(0);
    const diff = await run(["policy", "diff", file], token);
    expect(diff.out).toContain("Widens   tickets.get: denied → allowed");
    expect(diff.out).toContain("+ test tickets.get allowed");
    const applied = await run(["policy", "apply", file, "--reason", "research reads tickets"], token);
    expect(applied.code).toBe(2);
    expect(applied.out).toContain("pending until a second admin approves it in the console");
    const route = await db().route.findUniqueOrThrow({ where: { name: "research" } });
    expect(route.activeVersion).toBe(research.version);
    const pending = await db().policyVersion.findFirstOrThrow({ where: { routeId: route.id, status: "pending" } });

    // The token's approval never counts: not for its owner, and not for another admin's token either.
    const self = await fetch(`${server.url}/api/cli/policies/changes/${pending.id}/approve`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(self.status).toBe(403);
    const admin2 = await signIn(server.url, "admin2.cli@example.com", "admin2-cli-password");
    const t2 = (await (await consoleFetch(server.url, admin2, "/api/console/api-tokens", { method: "POST", body: { name: "bot", scopes: ["policy:approve"] } })).json()) as {
      token: string;
    };
    const viaToken = await fetch(`${server.url}/api/cli/policies/changes/${pending.id}/approve`, { method: "POST", headers: { authorization: `Bearer ${t2.token}` } });
    expect(viaToken.status).toBe(403);
    expect(((await viaToken.json()) as { error: { reason: string } }).error.reason).toBe("channel");
    expect((await db().route.findUniqueOrThrow({ where: { name: "research" } })).activeVersion).toBe(research.version);

    // The second admin approves in the console.
    const ok = await consoleFetch(server.url, admin2, `/api/console/policies/changes/${pending.id}/approve`, { method: "POST", body: {} });
    expect(ok.status).toBe(200);
    expect((await db().route.findUniqueOrThrow({ where: { name: "research" } })).activeVersion).toBe(pending.version);
    // The same bundle again changes nothing; an edit made on the old export is refused with the routes that moved on.
    expect((await run(["policy", "apply", file, "--reason", "again"], token)).code).toBe(0);
    research.policy.allow_tools = research.policy.allow_tools.filter((t: string) => t !== "http.get");
    fs.writeFileSync(file, JSON.stringify(bundle));
    const again = await run(["policy", "apply", file, "--reason", "stale edit"], token);
    expect(again.code).toBe(1);
    expect(again.out).toContain("research (v1 → v2)");

    const types = (await db().auditEvent.findMany({ where: { type: { startsWith: "api_token." } } })).map((e) => e.type);
    expect(types).toContain("api_token.created");
    expect(types).toContain("api_token.used");
  });

  it("a token is refused when missing, malformed, wrong, revoked, expired, out of scope, or its owner lost the role", async () => {
    const admin = await signIn(server.url, "admin.cli@example.com", "admin-cli-password");
    const mk = async (scopes: string[]) =>
      (await (await consoleFetch(server.url, admin, "/api/console/api-tokens", { method: "POST", body: { name: "t", scopes } })).json()) as { token: string; id: string };
    const get = (tok: string) => fetch(`${server.url}/api/cli/policies/bundle`, { headers: { authorization: `Bearer ${tok}` } }).then((r) => r.status);
    const read = await mk(["policy:read"]);
    expect(await get(read.token)).toBe(200);
    expect(await fetch(`${server.url}/api/cli/policies/bundle`).then((r) => r.status)).toBe(401);
    expect(await get("gh_tok_nothex_x")).toBe(401);
    expect(await get(read.token.slice(0, -1) + (read.token.endsWith("A") ? "B" : "A"))).toBe(401);
    const apply = await fetch(`${server.url}/api/cli/policies/apply`, {
      method: "POST",
      headers: { authorization: `Bearer ${read.token}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(apply.status).toBe(403);
    const bad = await fetch(`${server.url}/api/cli/policies/diff`, {
      method: "POST",
      headers: { authorization: `Bearer ${read.token}`, "content-type": "application/json" },
      body: JSON.stringify({ bundle: { x: 1 } }),
    });
    expect(bad.status).toBe(422);
    await db().apiToken.update({ where: { id: read.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await get(read.token)).toBe(401);
    const other = await mk(["policy:read"]);
    expect((await consoleFetch(server.url, admin, `/api/console/api-tokens/${other.id}`, { method: "DELETE" })).status).toBe(200);
    expect(await get(other.token)).toBe(401);
    const third = await mk(["policy:read"]);
    await db().user.update({ where: { email: "admin.cli@example.com" }, data: { roles: "viewer" } });
    expect(await get(third.token)).toBe(403);
    await db().user.update({ where: { email: "admin.cli@example.com" }, data: { roles: "admin" } });
    // A reviewer cannot create one.
    const reviewer = await signIn(server.url, "reviewer.cli@example.com", "reviewer-cli-password");
    expect((await consoleFetch(server.url, reviewer, "/api/console/api-tokens", { method: "POST", body: { name: "x", scopes: ["policy:read"] } })).status).toBe(403);
  });
});
