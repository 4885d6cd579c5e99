import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { mintActionToken } from "@/lib/tokens/mint";
import { redeemActionToken } from "@/lib/tokens/redeem-token";
import { activeSigningKey } from "@/lib/tokens/signing-keys";
import { argsHash } from "@gatehouse-dev/sdk";
import { ACTION_TOKEN_TYP } from "@gatehouse-dev/sdk";
import { CapabilityError } from "@gatehouse-dev/sdk";
import { createToolService, RedeemError } from "@gatehouse-dev/sdk";
import { POST as redeemRoute } from "@/app/api/v1/tokens/redeem/route";
import { GET as jwksRoute } from "@/app/.well-known/jwks.json/route";
import { GET as revocationsRoute } from "@/app/api/v1/tokens/revocations/route";
import { ATTEMPTS_PER_TOKEN } from "@/lib/tokens/redeem-guard";

const ARGS = { ticket_id: "T-9", note: "done" };
const ctx = { requestId: "req_redeem" };

let cleanup: () => Promise<void>;
let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  ({ cleanup } = await freshDb());
  // The live run, credential and route the tokens below belong to: a token whose run,
  // credential or route is gone is refused (lib/db/tables/issued-token.ts).
  await db().agentCredential.create({
    data: { id: "cred_1", name: "redeem", tenantId: "acme", env: "prod", routes: '["support/send"]', keyPrefix: "gh_redeem", keyHash: "x", callbackSecret: "x" },
  });
  await db().route.create({ data: { id: "route_1", name: "support/send", activeVersion: 1 } });
  await db().run.create({
    data: {
      id: "run_1",
      credentialId: "cred_1",
      tenantId: "acme",
      env: "prod",
      routeId: "route_1",
      routeName: "support/send",
      stepsMax: 100,
      secondsMax: 3600,
      usdMaxMicros: 0,
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  });
  server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? "/", "http://localhost");
    const request = new Request(url, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === "POST" ? Buffer.concat(chunks) : undefined,
    });
    const nextCtx = { params: Promise.resolve({}) };
    const route =
      url.pathname === "/.well-known/jwks.json" && req.method === "GET"
        ? jwksRoute
        : url.pathname === "/api/v1/tokens/revocations" && req.method === "GET"
          ? revocationsRoute
          : url.pathname === "/api/v1/tokens/redeem" && req.method === "POST"
            ? redeemRoute
            : null;
    const response = route ? await route(request, nextCtx) : new Response("not found", { status: 404 });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await cleanup();
});

/** An approved action row plus its minted token, as the approval flow leaves them. */
async function approvedAction(status = "approved"): Promise<{ actionId: string; token: string; jti: string }> {
  const actionId = `act_${crypto.randomBytes(6).toString("hex")}`;
  const hash = argsHash(ARGS);
  return db().$transaction(async (tx) => {
    await tx.action.create({
      data: {
        id: actionId,
        runId: "run_1",
        credentialId: "cred_1",
        tenantId: "acme",
        env: "prod",
        routeId: "route_1",
        routeName: "support/send",
        policyVersion: 1,
        tool: "ticket.close",
        toolKind: "write",
        argsHash: hash,
        argsDisplay: JSON.stringify(ARGS),
        summary: "Close ticket T-9",
        idempotencyKey: `idem-${actionId}`,
        status,
        decisionReason: "approval_required",
        approvalsRequired: 1,
      },
    });
    const minted = await mintActionToken(
      tx,
      {
        credentialId: "cred_1",
        tenant: "acme",
        env: "prod",
        route: "support/send",
        runId: "run_1",
        actionId,
        tool: "ticket.close",
        argsHash: hash,
        idempotencyKey: `idem-${actionId}`,
        approverIds: ["user_r"],
      },
      { actorType: "user", actorId: "user_r" },
    );
    await tx.action.update({
      where: { id: actionId },
      data: { tokenJti: minted.jti, tokenExpiresAt: minted.expiresAt, tokenSealed: "sealed-placeholder" },
    });
    return { actionId, token: minted.token, jti: minted.jti };
  });
}

async function refusedWith(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

const redeem = (token: string, tool = "ticket.close", args: unknown = ARGS) => redeemActionToken({ token, tool, args }, ctx);

describe("redeeming an action token", () => {
  it("redeems once; a second redemption is refused with 409 and audited", async () => {
    const a = await approvedAction();
    const result = await redeem(a.token);
    expect(result).toMatchObject({ action_id: a.actionId, tenant: "acme", env: "prod", tool: "ticket.close", args_hash: argsHash(ARGS) });

    const action = await db().action.findUniqueOrThrow({ where: { id: a.actionId } });
    expect(action.redeemedAt?.toISOString()).toBe(result.redeemed_at);
    expect(action.tokenSealed).toBeNull();
    expect((await db().issuedToken.findUniqueOrThrow({ where: { jti: a.jti } })).redeemedAt).not.toBeNull();
    expect(await db().auditEvent.findFirst({ where: { type: "token.redeemed", jti: a.jti } })).toMatchObject({
      status: "ok",
      actionId: a.actionId,
      tenantId: "acme",
      requestId: "req_redeem",
    });

    const err = await refusedWith(redeem(a.token));
    expect(err.status).toBe(409);
    expect(err.reason).toBe("already_redeemed");
    const refused = await db().auditEvent.findFirst({ where: { type: "token.redeem_refused", jti: a.jti } });
    expect(refused).toMatchObject({ reason: "already_redeemed", status: "refused", actionId: a.actionId, tenantId: "acme" });
  });

  it("concurrent redemptions: exactly one succeeds", async () => {
    const a = await approvedAction();
    // As many as one token may be presented per window (more are answered 429: test/security/redeem-flood.test.ts).
    const outcomes = await Promise.allSettled(Array.from({ length: ATTEMPTS_PER_TOKEN }, () => redeem(a.token)));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === "rejected")) {
      expect((o as PromiseRejectedResult).reason).toMatchObject({ status: 409, reason: "already_redeemed" });
    }
    expect(await db().auditEvent.count({ where: { type: "token.redeemed", jti: a.jti } })).toBe(1);
  });

  it("other args or another tool are refused (403) without spending the token", async () => {
    const a = await approvedAction();
    const changed = await refusedWith(redeem(a.token, "ticket.close", { ...ARGS, ticket_id: "T-10" }));
    expect([changed.status, changed.reason]).toEqual([403, "args_mismatch"]);
    const tool = await refusedWith(redeem(a.token, "ticket.delete"));
    expect([tool.status, tool.reason]).toEqual([403, "wrong_tool"]);
    expect(await db().auditEvent.count({ where: { type: "token.redeem_refused", jti: a.jti } })).toBe(2);
    await expect(redeem(a.token)).resolves.toMatchObject({ action_id: a.actionId });
  });

  it("a cancelled action's token is refused", async () => {
    const a = await approvedAction();
    await db().action.update({ where: { id: a.actionId }, data: { status: "cancelled" } });
    const err = await refusedWith(redeem(a.token));
    expect([err.status, err.reason]).toEqual([409, "action_cancelled"]);
    expect((await db().action.findUniqueOrThrow({ where: { id: a.actionId } })).redeemedAt).toBeNull();
  });

  it("forged and expired tokens are refused (403); unverified claims never reach the audit log", async () => {
    const a = await approvedAction();
    const [h, , s] = a.token.split(".");
    const payload = Buffer.from(a.token.split(".")[1]!, "base64url").toString();
    const forgedPayload = Buffer.from(payload.replace('"acme"', '"globex"')).toString("base64url");
    const forged = await refusedWith(redeem(`${h}.${forgedPayload}.${s}`));
    expect([forged.status, forged.reason]).toEqual([403, "bad_signature"]);
    const ev = await db().auditEvent.findFirst({ where: { type: "token.redeem_refused", reason: "bad_signature" } });
    expect(ev).toMatchObject({ tenantId: null, jti: null });

    const key = await activeSigningKey();
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({
      iss: env().GATEHOUSE_ISSUER,
      aud: env().GATEHOUSE_AUDIENCE,
      sub: "cred_1",
      jti: "jti_never_issued",
      iat: now - 200,
      nbf: now - 200,
      exp: now - 60,
      tenant: "acme",
      env: "prod",
      route: "support/send",
      run_id: "run_1",
      action_id: a.actionId,
      tool: "ticket.close",
      args_hash: argsHash(ARGS),
      idempotency_key: "x",
      approver_ids: [],
    })
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: ACTION_TOKEN_TYP })
      .sign(key.privateKey);
    const exp = await refusedWith(redeem(expired));
    expect([exp.status, exp.reason]).toEqual([403, "expired"]);
  });

  it("a validly signed token that was never issued is refused", async () => {
    const a = await approvedAction();
    const key = await activeSigningKey();
    const now = Math.floor(Date.now() / 1000);
    const unknown = await new SignJWT({
      iss: env().GATEHOUSE_ISSUER,
      aud: env().GATEHOUSE_AUDIENCE,
      sub: "cred_1",
      jti: "jti_not_in_db",
      iat: now,
      nbf: now,
      exp: now + 60,
      tenant: "acme",
      env: "prod",
      route: "support/send",
      run_id: "run_1",
      action_id: a.actionId,
      tool: "ticket.close",
      args_hash: argsHash(ARGS),
      idempotency_key: "x",
      approver_ids: [],
    })
      .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: ACTION_TOKEN_TYP })
      .sign(key.privateKey);
    const err = await refusedWith(redeem(unknown));
    expect([err.status, err.reason]).toEqual([403, "unknown_token"]);
    expect((await db().action.findUniqueOrThrow({ where: { id: a.actionId } })).redeemedAt).toBeNull();
  });
});

describe("over HTTP with the tool-service SDK", () => {
  const service = () => createToolService({ gatehouseUrl: baseUrl, issuer: env().GATEHOUSE_ISSUER, audience: env().GATEHOUSE_AUDIENCE, tenant: "acme", env: "prod" });

  it("serves the JWKS with a cache header and no private members", async () => {
    const res = await fetch(`${baseUrl}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
    const body = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys.length).toBeGreaterThan(0);
    for (const k of body.keys) expect(k.d).toBeUndefined();
  });

  it("verifies offline, redeems once, then reports 409", async () => {
    const a = await approvedAction();
    const svc = service();
    await expect(svc.verify(a.token, "ticket.close", ARGS)).resolves.toMatchObject({ action_id: a.actionId });
    const { receipt } = await svc.redeem(a.token, "ticket.close", ARGS);
    expect(receipt.action_id).toBe(a.actionId);
    const err = await svc.redeem(a.token, "ticket.close", ARGS).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RedeemError);
    expect(err).toMatchObject({ status: 409, code: "conflict", reason: "already_redeemed" });
  });

  it("a service for another tenant refuses offline, before any redemption", async () => {
    const a = await approvedAction();
    const other = createToolService({ gatehouseUrl: baseUrl, issuer: env().GATEHOUSE_ISSUER, audience: env().GATEHOUSE_AUDIENCE, tenant: "globex", env: "prod" });
    const err = await other.redeem(a.token, "ticket.close", ARGS).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CapabilityError);
    expect((err as CapabilityError).code).toBe("wrong_tenant");
    expect((await db().issuedToken.findUniqueOrThrow({ where: { jti: a.jti } })).redeemedAt).toBeNull();
  });

  it("the redeem endpoint validates its body and maps refusals to status codes", async () => {
    const post = (body: unknown) => fetch(`${baseUrl}/api/v1/tokens/redeem`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect((await post({ token: "x".repeat(4097), tool: "t", args: {} })).status).toBe(422);
    expect((await post({ token: "abc", tool: "t", args: {}, tenant: "acme" })).status).toBe(422);
    const bad = await post({ token: "abc", tool: "ticket.close", args: {} });
    expect(bad.status).toBe(403);
    expect(((await bad.json()) as { error: { reason: string } }).error.reason).toBe("malformed");
    const a = await approvedAction();
    expect((await post({ token: a.token, tool: "ticket.close", args: ARGS })).status).toBe(200);
    expect((await post({ token: a.token, tool: "ticket.close", args: ARGS })).status).toBe(409);
  });
});
