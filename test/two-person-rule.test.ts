import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { makeUser } from "./support/fixtures";
import { demoAgent } from "./security/helpers";
import { db } from "@/lib/db/client";
import { authenticateAgent, type AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { startRun } from "@/lib/runs/start-run";
import { proposeAction } from "@/lib/actions/propose-action";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { createUser, resetPassword, updateUser } from "@/lib/users/manage-users";
import { approveGrant } from "@/lib/users/grants";
import { bootstrapAdmin } from "@/lib/users/bootstrap-admin";
import { ELEVATION_COOLDOWN_MS, independenceConflict } from "@/lib/users/two-person";

// The one independence rule (lib/users/two-person.ts) in the library: the
// elevation window ends, only a console vote counts where two people are
// needed, and the host-side bootstrap makes only the first two admins.

let cleanup: () => Promise<void>;
let agent: AgentPrincipal;
let runId: string;
const u: Record<string, string> = {};
let n = 0;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  agent = await authenticateAgent(new Request("http://x", { headers: { authorization: `Bearer ${demoAgent("acme", "prod", "support/send").key}` } }));
  runId = (await startRun(agent, "support/send", { requestId: "req_rule" })).run_id;
  u.a = await makeUser("a.rule@example.com", ["admin"]);
  u.b = await makeUser("b.rule@example.com", ["admin"]);
  u.r1 = await makeUser("r1.rule@example.com", ["reviewer"]);
  u.r2 = await makeUser("r2.rule@example.com", ["reviewer"]);
  await db().user.updateMany({ data: { lastSignInAt: new Date() } });
});
afterAll(() => cleanup());

const deleteCustomer = async () =>
  (await proposeAction(agent, { run_id: runId, tool: "customer.delete", args: { customer_id: `C-${700 + ++n}` }, idempotency_key: `rule-${n}` }, { requestId: "req_rule" })).view
    .action_id;

describe("the elevation window", () => {
  it("ties an account to whoever elevated it for ELEVATION_COOLDOWN_MS (24 h), then no longer; the one who chose its password longer", async () => {
    const r = await createUser({ email: "fresh.rule@example.com", name: "fresh", password: "long-enough-pw", roles: ["admin"] }, { actorId: u.a! });
    expect(r.status).toBe("pending");
    const { user_id } = await approveGrant((r as { grant_id: string }).grant_id, { actorId: u.b!, channel: "console" });
    expect(ELEVATION_COOLDOWN_MS).toBe(24 * 60 * 60 * 1000);
    await db().$transaction(async (tx) => {
      expect(await independenceConflict(tx, { firsts: [u.a!], second: user_id })).toBe("not_independent");
      expect(await independenceConflict(tx, { firsts: [user_id], second: u.b! })).toBe("not_independent");
      expect(await independenceConflict(tx, { firsts: [u.r1!], second: user_id })).toBeNull();
      const later = new Date(Date.now() + ELEVATION_COOLDOWN_MS + 1000);
      // The approver's tie ends with the window; the requester chose the password, and stays tied while it stands.
      expect(await independenceConflict(tx, { firsts: [u.b!], second: user_id, now: later })).toBeNull();
      expect(await independenceConflict(tx, { firsts: [u.a!], second: user_id, now: later })).toBe("not_independent");
    });
    await resetPassword(user_id, "my-own-new-password", { actorId: user_id });
    const later = new Date(Date.now() + ELEVATION_COOLDOWN_MS + 1000);
    expect(await db().$transaction((tx) => independenceConflict(tx, { firsts: [u.a!], second: user_id, now: later }))).toBeNull();
  });
});

describe("a grant is decided once", () => {
  it("two admins approving the same grant at once: one applies it, the other gets 409", async () => {
    const c = await makeUser("c.rule@example.com", ["admin"]);
    const target = await makeUser("target.rule@example.com", ["viewer"]);
    const r = await updateUser(target, { roles: ["viewer", "reviewer"] }, { actorId: u.a! });
    expect(r.status).toBe("pending");
    const id = (r as { grant_id: string }).grant_id;
    const results = await Promise.allSettled([approveGrant(id, { actorId: u.b!, channel: "console" }), approveGrant(id, { actorId: c, channel: "console" })]);
    expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
    expect(results.find((x) => x.status === "rejected")).toMatchObject({ reason: { code: "conflict" } });
    expect(await db().auditEvent.count({ where: { type: "user.grant_approved" } })).toBe(2);
    expect((await db().user.findUniqueOrThrow({ where: { id: target } })).roles).toBe("viewer,reviewer");
  });
});

describe("only a console vote counts where two people are needed", () => {
  it("an API-token or chat vote on a destructive action is refused and records nothing; console votes count", async () => {
    const id = await deleteCustomer();
    for (const channel of ["api_token", "chat"] as const) {
      await expect(voteOnAction({ actionId: id, userId: u.r1!, vote: "approve", channel })).rejects.toMatchObject({ code: "forbidden", reason: "channel" });
    }
    expect(await db().approval.count({ where: { actionId: id } })).toBe(0);
    await voteOnAction({ actionId: id, userId: u.r1!, vote: "approve" });
    const done = await voteOnAction({ actionId: id, userId: u.r2!, vote: "approve", channel: "console" });
    expect(done.status).toBe("approved");
    expect((await db().approval.findMany({ where: { actionId: id } })).map((a) => a.channel)).toEqual(["console", "console"]);
  });
});

describe("the first admins of a fresh install come from the host", () => {
  it("admin:bootstrap makes admins only while fewer than two are enabled", async () => {
    await db().user.updateMany({ where: { roles: { contains: "admin" } }, data: { disabled: true } });
    const first = await bootstrapAdmin({ email: "Boot1@example.com", name: "Boot 1", password: "a-long-password" });
    expect(first.created).toBe(true);
    await bootstrapAdmin({ email: "boot2@example.com", name: "Boot 2", password: "a-long-password" });
    await expect(bootstrapAdmin({ email: "boot3@example.com", name: "Boot 3", password: "a-long-password" })).rejects.toMatchObject({ code: "conflict" });
    expect(await db().user.count({ where: { email: "boot3@example.com" } })).toBe(0);
    const ev = await db().auditEvent.findFirstOrThrow({ where: { type: "user.created", actorType: "system" }, orderBy: { seq: "desc" } });
    expect(JSON.parse(ev.data)).toMatchObject({ email: "boot2@example.com", via: "admin:bootstrap" });
  });
});

describe("the password an admin chose", () => {
  it("whoever chose an account's password stays tied to it, however long ago, until its user sets their own", async () => {
    const [a, b, c] = [await makeUser("a4.rule@example.com", ["admin"]), await makeUser("b4.rule@example.com", ["admin"]), await makeUser("c4.rule@example.com", ["admin"])];
    // A makes a viewer at once (no role that counts) with a password A chose; B and C later make it a reviewer.
    const v = await createUser({ email: "viewer.rule@example.com", name: "v", password: "chosen-by-admin-a", roles: ["viewer"] }, { actorId: a });
    expect(v.status).toBe("created");
    const viewer = (await db().user.findUniqueOrThrow({ where: { email: "viewer.rule@example.com" } })).id;
    const g = await updateUser(viewer, { roles: ["reviewer"] }, { actorId: b });
    expect(g.status).toBe("pending");
    await approveGrant((g as { grant_id: string }).grant_id, { actorId: c, channel: "console" });
    const later = new Date(Date.now() + ELEVATION_COOLDOWN_MS + 1000);
    await db().$transaction(async (tx) => {
      expect(await independenceConflict(tx, { firsts: [a], second: viewer, now: later })).toBe("not_independent");
      expect(await independenceConflict(tx, { firsts: [viewer], second: a, now: later })).toBe("not_independent");
      expect(await independenceConflict(tx, { firsts: [b], second: viewer, now: later })).toBeNull();
    });
    // A's reset of a counting account is a grant B approves: A chose it, so A is tied again, past the window too.
    const reset = await resetPassword(viewer, "chosen-by-a-again", { actorId: a });
    expect(reset.status).toBe("pending");
    await approveGrant((reset as { grant_id: string }).grant_id, { actorId: b, channel: "console" });
    await resetPassword(viewer, "my-own-password-1", { actorId: viewer });
    expect(await db().$transaction((tx) => independenceConflict(tx, { firsts: [a], second: viewer, now: later }))).toBeNull();
    await db().$transaction(async (tx) => {
      const g2 = await tx.userGrant.findFirstOrThrow({ where: { userId: viewer, kind: "password" } });
      expect(g2.status).toBe("approved");
    });
    const reset2 = await resetPassword(viewer, "chosen-by-a-third", { actorId: a });
    await approveGrant((reset2 as { grant_id: string }).grant_id, { actorId: b, channel: "console" });
    expect(await db().$transaction((tx) => independenceConflict(tx, { firsts: [a], second: viewer, now: later }))).toBe("not_independent");
  });
});
