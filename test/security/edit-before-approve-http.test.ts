import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { argsHash } from "@/lib/sdk/args-hash";
import { createCredential } from "@/lib/agents/create-credential";
import { startTicketService } from "@/examples/ticket-service";
import { freshDemoDb } from "../support/demo-db";
import { makeUser } from "../support/fixtures";
import { call } from "./helpers";
import { consoleFetch, signIn, startConsoleServer, type ConsoleServer } from "./console-server";

// Edit before approve, end to end over real HTTP against the production server:
// the agent proposes ticket.close, a reviewer edits the args on the console
// (votes so far are void, the editor's own vote is refused), a second reviewer
// approves, the agent's long-poll returns the edited args with a token bound to
// them, and the demo ticket service redeems the edited call and refuses the original.

let ctx: Awaited<ReturnType<typeof freshDemoDb>>;
let server: ConsoleServer;
let key: string;

beforeAll(async () => {
  ctx = await freshDemoDb();
  await db().user.updateMany({ data: { disabled: true } });
  await db().agentCredential.updateMany({ data: { revokedAt: new Date() } });
  key = (await createCredential({ name: "edit-http", tenantId: "acme", env: "prod", routes: ["support/send"] })).key;
  await makeUser("rev1.edit@example.com", ["reviewer"], "rev1-edit-password");
  await makeUser("rev2.edit@example.com", ["reviewer"], "rev2-edit-password");
  await makeUser("rev3.edit@example.com", ["reviewer"], "rev3-edit-password");
  server = await startConsoleServer(ctx.databaseUrl, ctx.dataDir);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await ctx?.cleanup();
});

describe("edit before approve, over HTTP", () => {
  it("the agent gets the edited args and a token the ticket service redeems with them and refuses with the original", async () => {
    const run = await call(server.url, "POST", "/api/v1/runs", key, { route: "support/send" });
    expect(run.status).toBe(201);
    const original = { ticket_id: "T-18421", resolution: "closing as spam" };
    const proposed = await call(server.url, "POST", "/api/v1/actions", key, { run_id: run.body.run_id, tool: "ticket.close", args: original, idempotency_key: "edit-1" });
    expect(proposed.status).toBe(202);
    const id = proposed.body.action_id as string;

    const rev1 = await signIn(server.url, "rev1.edit@example.com", "rev1-edit-password");
    const rev2 = await signIn(server.url, "rev2.edit@example.com", "rev2-edit-password");
    const rev3 = await signIn(server.url, "rev3.edit@example.com", "rev3-edit-password");
    // An edit outside the schema, or one that leaves a mask in, changes nothing.
    expect((await consoleFetch(server.url, rev1, `/api/console/actions/${id}/edit`, { method: "POST", body: { args: { ticket_id: "not-a-ticket" } } })).status).toBe(422);
    expect(
      (await consoleFetch(server.url, rev1, `/api/console/actions/${id}/edit`, { method: "POST", body: { args: { ticket_id: "T-18421", resolution: "[REDACTED]" } } })).status,
    ).toBe(422);

    // The agent starts waiting before the edit.
    const poll = call(server.url, "GET", `/api/v1/actions/${id}?wait=20`, key);

    const edited = { ticket_id: "T-18421", resolution: "fixed in release 4.2" };
    const edit = await consoleFetch(server.url, rev1, `/api/console/actions/${id}/edit`, { method: "POST", body: { args: edited } });
    expect(edit.status).toBe(200);
    const e = (await edit.json()) as { args_hash: string; original_args_hash: string; approvals_required: number };
    expect(e.original_args_hash).toBe(argsHash(original));
    expect(e.args_hash).toBe(argsHash(edited));
    expect(e.approvals_required).toBe(1);
    const shown = (await (await consoleFetch(server.url, rev2, `/api/console/actions/${id}/edit`)).json()) as {
      edited: boolean;
      original: unknown;
      final: unknown;
      editor: string;
    };
    expect(shown).toMatchObject({ edited: true, original, final: edited, editor: "rev1.edit@example.com" });
    // A second edit is refused.
    expect((await consoleFetch(server.url, rev2, `/api/console/actions/${id}/edit`, { method: "POST", body: { args: original } })).status).toBe(409);

    // The editor's vote never counts for the edited call.
    const own = await consoleFetch(server.url, rev1, `/api/console/actions/${id}/vote`, { method: "POST", body: { vote: "approve" } });
    expect(own.status).toBe(403);
    expect(((await own.json()) as { error: { reason: string } }).error.reason).toBe("editor_cannot_approve");
    const ok = await consoleFetch(server.url, rev2, `/api/console/actions/${id}/vote`, { method: "POST", body: { vote: "approve" } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { status: string }).status).toBe("approved");
    void rev3;

    let view = (await poll).body;
    if (view.status === "pending") view = (await call(server.url, "GET", `/api/v1/actions/${id}?wait=10`, key)).body;
    expect(view.status).toBe("approved");
    expect(view.args_edited).toBe(true);
    expect(view.args).toEqual(edited);
    expect(view.args_hash).toBe(argsHash(edited));
    const token = view.token as string;
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as { args_hash: string; args_edited?: boolean };
    expect(claims).toMatchObject({ args_hash: argsHash(edited), args_edited: true });

    const svc = await startTicketService({ gatehouseUrl: server.url, tenant: "acme", env: "prod", issuer: env().GATEHOUSE_ISSUER, audience: env().GATEHOUSE_AUDIENCE });
    try {
      const post = (args: unknown) =>
        fetch(`${svc.url}/tools/ticket.close`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(args) });
      const refused = await post(original);
      expect(refused.status).toBe(403);
      expect(svc.tickets.get("T-18421")?.status).toBe("open");
      const done = await post(edited);
      expect(done.status).toBe(200);
      expect(svc.tickets.get("T-18421")).toMatchObject({ status: "closed", resolution: "fixed in release 4.2" });
    } finally {
      await svc.close();
    }

    const audit = await db().auditEvent.findFirstOrThrow({ where: { type: "action.args_edited" } });
    const data = JSON.parse(audit.data!) as Record<string, unknown>;
    expect(data).toMatchObject({ original_args_hash: argsHash(original), edited_args_hash: argsHash(edited) });
    const editor = await db().user.findUniqueOrThrow({ where: { email: "rev1.edit@example.com" } });
    expect(audit.actorId).toBe(editor.id);
  });

  it("earlier votes are void, and the edited call keeps the approvals the original needed", async () => {
    // customer.delete needs two; an approval before the edit is voided by it.
    const run = await call(server.url, "POST", "/api/v1/runs", key, { route: "support/send" });
    const p = await call(server.url, "POST", "/api/v1/actions", key, {
      run_id: run.body.run_id,
      tool: "customer.delete",
      args: { customer_id: "C-1" },
      idempotency_key: "edit-2",
    });
    expect(p.status).toBe(202);
    const id = p.body.action_id as string;
    const rev2 = await signIn(server.url, "rev2.edit@example.com", "rev2-edit-password");
    const rev3 = await signIn(server.url, "rev3.edit@example.com", "rev3-edit-password");
    expect((await consoleFetch(server.url, rev2, `/api/console/actions/${id}/vote`, { method: "POST", body: { vote: "approve", password: "rev2-edit-password" } })).status).toBe(
      200,
    );
    const edit = await consoleFetch(server.url, rev3, `/api/console/actions/${id}/edit`, { method: "POST", body: { args: { customer_id: "C-2" } } });
    expect(edit.status).toBe(200);
    expect((await edit.json()) as { voided_votes: number; approvals_required: number }).toMatchObject({ voided_votes: 1, approvals_required: 2 });
    expect(await db().approval.count({ where: { actionId: id } })).toBe(0);
    const a = await db().action.findUniqueOrThrow({ where: { id } });
    expect(a.status).toBe("pending");
  });

  it("an edit that makes the call more permissive (a refund lowered into the auto-approved band) still needs the original's approval", async () => {
    // support/send with a condition: refunds up to $20 go through without a human (a new active version, as an approved change would make).
    const route = await db().route.findUniqueOrThrow({ where: { name: "support/send" } });
    const cur = await db().policyVersion.findUniqueOrThrow({ where: { routeId_version: { routeId: route.id, version: route.activeVersion } } });
    const policy = { ...JSON.parse(cur.policy), conditions: [{ tool: "refund.create", when: "args.amount_usd <= 20.0", effect: "allow" }] };
    await db().policyVersion.update({ where: { id: cur.id }, data: { status: "superseded" } });
    await db().policyVersion.create({
      data: { routeId: route.id, version: cur.version + 1, policy: JSON.stringify(policy), status: "active", reason: "test", baseVersion: cur.version },
    });
    await db().route.update({ where: { id: route.id }, data: { activeVersion: cur.version + 1 } });

    const run = await call(server.url, "POST", "/api/v1/runs", key, { route: "support/send" });
    const small = await call(server.url, "POST", "/api/v1/actions", key, {
      run_id: run.body.run_id,
      tool: "refund.create",
      args: { customer_id: "C-1", order_id: "O-1", amount_usd: 10, reason: "late" },
      idempotency_key: "edit-3",
    });
    expect(small.body.status).toBe("allowed");
    const big = await call(server.url, "POST", "/api/v1/actions", key, {
      run_id: run.body.run_id,
      tool: "refund.create",
      args: { customer_id: "C-1", order_id: "O-1", amount_usd: 400, reason: "late" },
      idempotency_key: "edit-4",
    });
    expect(big.status).toBe(202);
    const id = big.body.action_id as string;
    const rev3 = await signIn(server.url, "rev3.edit@example.com", "rev3-edit-password");
    const edit = await consoleFetch(server.url, rev3, `/api/console/actions/${id}/edit`, {
      method: "POST",
      body: { args: { customer_id: "C-1", order_id: "O-1", amount_usd: 15, reason: "late" } },
    });
    expect(edit.status).toBe(200);
    expect(((await edit.json()) as { approvals_required: number }).approvals_required).toBe(1);
    const a = await db().action.findUniqueOrThrow({ where: { id } });
    expect(a.status).toBe("pending");
    const audit = await db().auditEvent.findFirstOrThrow({ where: { type: "action.args_edited", actionId: id } });
    expect(JSON.parse(audit.data!).decided_again).toBe("allowed");
  });
});
