import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, base64url, decodeJwt, generateKeyPair } from "jose";
import { encode } from "next-auth/jwt";
import { freshDemoDb } from "../support/demo-db";
import { startAgentServer } from "../support/agent-server";
import { makeUser } from "../support/fixtures";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { activeSigningKey, publicJwks } from "@/lib/tokens/signing-keys";
import { argsHash } from "@gatehouse-dev/sdk";
import { ACTION_TOKEN_TYP, RUN_TOKEN_TYP } from "@gatehouse-dev/sdk";
import { createToolService, RedeemError } from "@gatehouse-dev/sdk";
import { CapabilityError, verifyRunToken } from "@gatehouse-dev/sdk";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { call, demoAgent, type CallResult } from "./helpers";

// Threat: a token that is not exactly the one Gatehouse minted for this call
// (forged, re-typed, re-scoped, replayed, or carried to other args) must not
// run a tool. Everything here goes through the HTTP redeem endpoint and the
// SDK's tool service, as a real tool service would.

const acme = demoAgent("acme", "prod", "support/send");
const acmeStaging = demoAgent("acme", "staging", "support/send");
const globex = demoAgent("globex", "prod", "support/send");
const READ_ARGS = { query: "refund policy" };

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let n = 0;

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const toolService = (tenant = "acme", envName = "prod") =>
  createToolService({ gatehouseUrl: server.url, issuer: env().GATEHOUSE_ISSUER, audience: env().GATEHOUSE_AUDIENCE, tenant, env: envName });

/** A real allowed read action for `key`: returns its action token, run token and ids. */
async function allowedRead(key = acme.key, args: Record<string, unknown> = READ_ARGS) {
  const run = await call(server.url, "POST", "/api/v1/runs", key, { route: "support/send" });
  expect(run.status).toBe(201);
  const p = await call(server.url, "POST", "/api/v1/actions", key, { run_id: run.body.run_id, tool: "kb.search", args, idempotency_key: `tok-${++n}` });
  expect(p.status).toBe(200);
  return { token: p.body.token as string, actionId: p.body.action_id as string, runToken: run.body.run_token as string, runId: run.body.run_id as string };
}

// Each attack from its own address: repeated refusals from one source are audited in
// aggregate and rate-limited (test/security/redeem-flood.test.ts), and each attack here
// checks its own audit row.
let sourceN = 0;
const redeem = (token: string, tool = "kb.search", args: unknown = READ_ARGS): Promise<CallResult> =>
  call(server.url, "POST", "/api/v1/tokens/redeem", null, { token, tool, args }, { headers: { "x-forwarded-for": `198.18.${++sourceN >> 8}.${sourceN & 255}` } });

/** Valid action claims for an existing action, to be signed however the attack needs. */
function claimsFor(actionId: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: env().GATEHOUSE_ISSUER,
    aud: env().GATEHOUSE_AUDIENCE,
    sub: "cred_x",
    jti: `jti_${crypto.randomBytes(6).toString("hex")}`,
    iat: now,
    nbf: now,
    exp: now + 120,
    tenant: "acme",
    env: "prod",
    route: "support/send",
    run_id: "run_x",
    action_id: actionId,
    tool: "kb.search",
    args_hash: argsHash(READ_ARGS),
    idempotency_key: "k",
    approver_ids: [],
    ...over,
  };
}

async function signWithServerKey(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const key = await activeSigningKey();
  return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: ACTION_TOKEN_TYP, ...header }).sign(key.privateKey);
}

/** The redemption was refused, the action's token is still unspent, and the refusal is audited. */
async function expectRefused(r: CallResult, reason: string, actionId?: string) {
  expect(r.status).toBe(403);
  expect(r.body.error.reason).toBe(reason);
  expect(r.text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  if (actionId) expect((await db().action.findUniqueOrThrow({ where: { id: actionId } })).redeemedAt).toBeNull();
  const ev = await db().auditEvent.findFirst({ where: { requestId: r.headers.get("x-request-id") } });
  expect(ev).toMatchObject({ type: "token.redeem_refused", reason });
}

describe("forged tokens are refused at the redeem endpoint", () => {
  it("alg none is refused and writes no tenant into the audit log", async () => {
    const { actionId } = await allowedRead();
    const none = `${base64url.encode(JSON.stringify({ alg: "none", typ: ACTION_TOKEN_TYP, kid: "k" }))}.${base64url.encode(JSON.stringify(claimsFor(actionId)))}.`;
    const r = await redeem(none);
    await expectRefused(r, "bad_signature", actionId);
    const ev = await db().auditEvent.findFirstOrThrow({ where: { requestId: r.headers.get("x-request-id") } });
    expect(ev.tenantId).toBeNull();
  });

  it("HS256 signed with the published public key as the HMAC secret is refused", async () => {
    const { actionId } = await allowedRead();
    const jwk = (await publicJwks()).keys[0]!;
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const rawX = Buffer.from(jwk.x as string, "base64url");
    for (const s of [secret, new Uint8Array(rawX)]) {
      const t = await new SignJWT(claimsFor(actionId)).setProtectedHeader({ alg: "HS256", kid: jwk.kid!, typ: ACTION_TOKEN_TYP }).sign(s);
      await expectRefused(await redeem(t), "bad_signature", actionId);
    }
  });

  it("a header alg that differs from the key's algorithm is refused", async () => {
    const { token, actionId } = await allowedRead();
    const [h, p, s] = token.split(".");
    const header = JSON.parse(Buffer.from(h!, "base64url").toString());
    for (const alg of ["ES256", "RS256", "EdDSA ", "eddsa"]) {
      const swapped = `${base64url.encode(JSON.stringify({ ...header, alg }))}.${p}.${s}`;
      await expectRefused(await redeem(swapped), "bad_signature", actionId);
    }
  });

  it("a token signed by an attacker's key under an unknown kid is refused", async () => {
    const { actionId } = await allowedRead();
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const t = await new SignJWT(claimsFor(actionId)).setProtectedHeader({ alg: "EdDSA", kid: "attacker-key", typ: ACTION_TOKEN_TYP }).sign(privateKey);
    await expectRefused(await redeem(t), "unknown_kid", actionId);
  });

  it("a token signed by an attacker's key under the server's own kid is refused", async () => {
    const { actionId } = await allowedRead();
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const kid = (await activeSigningKey()).kid;
    const t = await new SignJWT(claimsFor(actionId)).setProtectedHeader({ alg: "EdDSA", kid, typ: ACTION_TOKEN_TYP }).sign(privateKey);
    await expectRefused(await redeem(t), "bad_signature", actionId);
  });

  it("a real token with a rewritten payload (another action id) is refused", async () => {
    const a = await allowedRead();
    const b = await allowedRead();
    const [h, p, s] = a.token.split(".");
    const claims = JSON.parse(Buffer.from(p!, "base64url").toString());
    const forged = `${h}.${base64url.encode(JSON.stringify({ ...claims, action_id: b.actionId }))}.${s}`;
    await expectRefused(await redeem(forged), "bad_signature", b.actionId);
  });
});

describe("time and claims: only a current, complete, correctly addressed token", () => {
  it("an expired token is refused", async () => {
    const { actionId } = await allowedRead();
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await redeem(await signWithServerKey(claimsFor(actionId, { iat: now - 400, nbf: now - 400, exp: now - 200 }))), "expired", actionId);
  });

  it("a token that is not yet valid is refused", async () => {
    const { actionId } = await allowedRead();
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(await redeem(await signWithServerKey(claimsFor(actionId, { iat: now, nbf: now + 120, exp: now + 240 }))), "not_yet_valid", actionId);
  });

  it("a far-future exp (a year) is refused even with a valid signature", async () => {
    const { actionId } = await allowedRead();
    const now = Math.floor(Date.now() / 1000);
    const r = await redeem(await signWithServerKey(claimsFor(actionId, { exp: now + 365 * 86400 })));
    expect(r.status).toBe(403);
    expect(["lifetime_too_long", "malformed"]).toContain(r.body.error.reason);
  });

  it.each(["jti", "exp", "action_id", "args_hash", "tenant", "sub"])("a token missing %s is refused", async (claim) => {
    const { actionId } = await allowedRead();
    const c = claimsFor(actionId);
    delete c[claim];
    const r = await redeem(await signWithServerKey(c));
    expect(r.status).toBe(403);
    expect(["malformed", "expired"]).toContain(r.body.error.reason);
    expect((await db().action.findUniqueOrThrow({ where: { id: actionId } })).redeemedAt).toBeNull();
  });

  it.each([
    ["aud", { aud: "some-other-service" }, "wrong_aud"],
    ["iss", { iss: "https://evil.example" }, "wrong_iss"],
  ])("a token with the wrong %s is refused", async (_n, over, reason) => {
    const { actionId } = await allowedRead();
    await expectRefused(await redeem(await signWithServerKey(claimsFor(actionId, over))), reason, actionId);
  });

  it.each(["JWT", "gh-action+JWT", "application/gh-action+jwt", RUN_TOKEN_TYP])("typ %s is not an action token", async (typ) => {
    const { actionId } = await allowedRead();
    await expectRefused(await redeem(await signWithServerKey(claimsFor(actionId), { typ })), "wrong_typ", actionId);
  });
});

describe("one kind of credential never stands in for another", () => {
  it("a run token presented as an action token is refused", async () => {
    const { runToken } = await allowedRead();
    const r = await redeem(runToken);
    expect(r.status).toBe(403);
    expect(r.body.error.reason).toBe("wrong_typ");
  });

  it("an action token presented as a run token is refused by the run-token verifier", async () => {
    const { token } = await allowedRead();
    const err = await verifyRunToken(token, {
      jwks: new URL("/.well-known/jwks.json", server.url),
      issuer: env().GATEHOUSE_ISSUER,
      audience: env().GATEHOUSE_AUDIENCE,
      tenant: "acme",
      env: "prod",
      tool: "kb.search",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapabilityError);
    expect((err as CapabilityError).code).toBe("wrong_typ");
  });

  it("a console session cookie is not a capability", async () => {
    const uid = await makeUser("tok-admin@example.com", ["admin", "reviewer"]);
    const cookie = await encode({ token: { sub: uid }, secret: env().sessionSecret, maxAge: 3600 });
    const r = await redeem(cookie);
    expect(r.status).toBe(403);
    expect(r.body.error.reason).toBe("bad_signature");
  });

  it("an agent key is not a capability", async () => {
    const r = await redeem(acme.key);
    expect(r.status).toBe(403);
    expect(r.body.error.reason).toBe("malformed");
    await expect(toolService().verify(acme.key, "kb.search", READ_ARGS)).rejects.toMatchObject({ code: "malformed" });
  });
});

describe("scope: a token works only for its tenant, environment, tool and args", () => {
  it("tenant A's token is refused by tenant B's tool service and stays unspent", async () => {
    const { token, actionId } = await allowedRead(acme.key);
    await expect(toolService("globex", "prod").redeem(token, "kb.search", READ_ARGS)).rejects.toMatchObject({ code: "wrong_tenant" });
    expect((await db().action.findUniqueOrThrow({ where: { id: actionId } })).redeemedAt).toBeNull();
    const g = await allowedRead(globex.key);
    await expect(toolService("acme", "prod").verify(g.token, "kb.search", READ_ARGS)).rejects.toMatchObject({ code: "wrong_tenant" });
  });

  it("a staging token is refused by the prod tool service", async () => {
    const { token, actionId } = await allowedRead(acmeStaging.key);
    await expect(toolService("acme", "prod").redeem(token, "kb.search", READ_ARGS)).rejects.toMatchObject({ code: "wrong_env" });
    expect((await db().action.findUniqueOrThrow({ where: { id: actionId } })).redeemedAt).toBeNull();
  });

  it("the right token with changed args is refused, and stays redeemable for the approved args", async () => {
    const { token, actionId } = await allowedRead();
    for (const args of [{ query: "refund policy " }, { query: "refund policy", limit: 20 }, { query: "REFUND POLICY" }, {}]) {
      await expectRefused(await redeem(token, "kb.search", args), "args_mismatch", actionId);
      await expect(toolService().verify(token, "kb.search", args)).rejects.toMatchObject({ code: "args_mismatch" });
    }
    const ok = await toolService().redeem(token, "kb.search", { ...READ_ARGS });
    expect(ok.receipt.action_id).toBe(actionId);
  });

  it("the right token for another tool is refused", async () => {
    const { token, actionId } = await allowedRead();
    await expectRefused(await redeem(token, "ticket.close", READ_ARGS), "wrong_tool", actionId);
    await expectRefused(await redeem(token, "KB.search", READ_ARGS), "wrong_tool", actionId);
  });

  it("an approved write token is bound to its approved args", async () => {
    const reviewer = await makeUser("tok-reviewer@example.com", ["reviewer"]);
    const run = await call(server.url, "POST", "/api/v1/runs", acme.key, { route: "support/send" });
    const p = await call(server.url, "POST", "/api/v1/actions", acme.key, {
      run_id: run.body.run_id,
      tool: "ticket.close",
      args: { ticket_id: "T-1" },
      idempotency_key: "tok-write",
    });
    expect(p.status).toBe(202);
    await voteOnAction({ actionId: p.body.action_id, userId: reviewer, vote: "approve" });
    const seen = await call(server.url, "GET", `/api/v1/actions/${p.body.action_id}`, acme.key);
    expect(decodeJwt(seen.body.token).approver_ids).toEqual([reviewer]);
    await expectRefused(await redeem(seen.body.token, "ticket.close", { ticket_id: "T-2" }), "args_mismatch", p.body.action_id);
    expect((await redeem(seen.body.token, "ticket.close", { ticket_id: "T-1" })).status).toBe(200);
  });
});

describe("single use", () => {
  it("a token replayed after redemption is refused with 409, through the SDK too", async () => {
    const { token, actionId } = await allowedRead();
    expect((await redeem(token)).status).toBe(200);
    const again = await redeem(token);
    expect(again.status).toBe(409);
    expect(again.body.error.reason).toBe("already_redeemed");
    const err = await toolService()
      .redeem(token, "kb.search", READ_ARGS)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedeemError);
    expect((err as RedeemError).status).toBe(409);
    expect(await db().auditEvent.count({ where: { actionId, type: "token.redeemed" } })).toBe(1);
  });

  it("twenty concurrent redemptions over HTTP: exactly one succeeds", async () => {
    const { token, actionId } = await allowedRead();
    const rs = await Promise.all(Array.from({ length: 20 }, () => redeem(token)));
    expect(rs.filter((r) => r.status === 200)).toHaveLength(1);
    // The rest: already redeemed, or (past the per-token limit) 429 before any verification.
    expect(rs.filter((r) => r.status === 409 || (r.status === 429 && r.body.error.reason === "token_rate_limited"))).toHaveLength(19);
    expect(await db().auditEvent.count({ where: { actionId, type: "token.redeemed" } })).toBe(1);
  });

  it("a second token minted for an already-redeemed action is refused", async () => {
    const { token, actionId } = await allowedRead();
    expect((await redeem(token)).status).toBe(200);
    const claims = decodeJwt(token);
    const jti = `jti_${crypto.randomBytes(6).toString("hex")}`;
    await db().issuedToken.create({
      data: { jti, kind: "action", tenantId: "acme", env: "prod", runId: String(claims.run_id), actionId, expiresAt: new Date(Date.now() + 120_000) },
    });
    const second = await signWithServerKey({ ...claims, jti });
    const r = await redeem(second);
    expect(r.status).toBe(409);
    expect(r.body.error.reason).toBe("action_not_redeemable");
  });
});
