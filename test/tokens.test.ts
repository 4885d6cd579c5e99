import crypto from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignJWT, base64url, decodeProtectedHeader, generateKeyPair, type JSONWebKeySet } from "jose";
import { freshDb } from "./support/db";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { unseal } from "@/lib/crypto/seal";
import { mintActionToken, mintRunToken, type ActionTokenInput } from "@/lib/tokens/mint";
import { activeSigningKey, clearSigningKeyCache, publicJwks, rotateSigningKey } from "@/lib/tokens/signing-keys";
import { argsHash } from "@/lib/sdk/args-hash";
import { ACTION_TOKEN_TYP, RUN_TOKEN_TYP } from "@/lib/sdk/token-claims";
import { CapabilityError, verifyActionToken, verifyRunToken, type CapabilityErrorCode, type VerifyActionOptions } from "@/lib/sdk/verify-capability";
import { bigIntsAsText } from "./support/json";

let cleanup: () => Promise<void>;
beforeAll(async () => ({ cleanup } = await freshDb()));
afterAll(() => cleanup());

const ARGS = { ticket_id: "T-1", note: "closing" };
const audit = { requestId: "req_test", actorType: "agent" as const, actorId: "cred_1" };

const actionInput = (over: Partial<ActionTokenInput> = {}): ActionTokenInput => ({
  credentialId: "cred_1",
  tenant: "acme",
  env: "prod",
  route: "support/send",
  runId: "run_1",
  actionId: `act_${crypto.randomBytes(6).toString("hex")}`,
  tool: "ticket.close",
  argsHash: argsHash(ARGS),
  idempotencyKey: "idem-1",
  approverIds: ["user_a"],
  ...over,
});

const mintAction = (over: Partial<ActionTokenInput> = {}) => db().$transaction((tx) => mintActionToken(tx, actionInput(over), audit));

const mintRun = () =>
  db().$transaction((tx) =>
    mintRunToken(tx, { credentialId: "cred_1", tenant: "acme", env: "prod", route: "research", runId: "run_1", tools: ["kb.search", "ticket.read"] }, audit),
  );

async function verifyOpts(over: Partial<VerifyActionOptions> = {}): Promise<VerifyActionOptions> {
  return {
    jwks: await publicJwks(),
    issuer: env().GATEHOUSE_ISSUER,
    audience: env().GATEHOUSE_AUDIENCE,
    tenant: "acme",
    env: "prod",
    tool: "ticket.close",
    args: ARGS,
    ...over,
  };
}

async function refusal(p: Promise<unknown>): Promise<CapabilityErrorCode> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CapabilityError);
  return (err as CapabilityError).code;
}

/** Valid action claims, signed however a test needs. */
function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: env().GATEHOUSE_ISSUER,
    aud: env().GATEHOUSE_AUDIENCE,
    sub: "cred_1",
    jti: `jti_${crypto.randomBytes(6).toString("hex")}`,
    iat: now,
    nbf: now,
    exp: now + 120,
    tenant: "acme",
    env: "prod",
    route: "support/send",
    run_id: "run_1",
    action_id: "act_forged",
    tool: "ticket.close",
    args_hash: argsHash(ARGS),
    idempotency_key: "idem-1",
    approver_ids: ["user_a"],
    ...over,
  };
}

/** Sign with the server's real private key: only the claims or header under test are wrong. */
async function forge(payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const key = await activeSigningKey();
  return new SignJWT(payload).setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: ACTION_TOKEN_TYP, ...header }).sign(key.privateKey);
}

/** A compact JWS with an arbitrary header and signature bytes. */
function rawToken(header: Record<string, unknown>, payload: Record<string, unknown>, sign: (input: string) => string): string {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`;
  return `${input}.${sign(input)}`;
}

describe("minting", () => {
  it("an action token verifies offline against the JWKS and carries the scope claims", async () => {
    const minted = await mintAction();
    const c = await verifyActionToken(minted.token, await verifyOpts());
    expect(c).toMatchObject({ tenant: "acme", env: "prod", tool: "ticket.close", args_hash: argsHash(ARGS), approver_ids: ["user_a"], jti: minted.jti });
    expect(c.exp - c.iat).toBeLessThanOrEqual(300);
    expect(minted.expiresAt.getTime()).toBe(c.exp * 1000);
    const header = decodeProtectedHeader(minted.token);
    expect(header).toMatchObject({ alg: "EdDSA", typ: ACTION_TOKEN_TYP });
    expect(typeof header.kid).toBe("string");
  });

  it("args are compared by canonical JSON, so key order does not matter", async () => {
    const minted = await mintAction();
    await expect(verifyActionToken(minted.token, await verifyOpts({ args: { note: "closing", ticket_id: "T-1" } }))).resolves.toBeTruthy();
  });

  it("a run token verifies for the route's read tools only", async () => {
    const minted = await mintRun();
    const base = { jwks: await publicJwks(), issuer: env().GATEHOUSE_ISSUER, audience: env().GATEHOUSE_AUDIENCE, tenant: "acme", env: "prod" };
    await expect(verifyRunToken(minted.token, { ...base, tool: "kb.search" })).resolves.toMatchObject({ tools: ["kb.search", "ticket.read"] });
    expect(await refusal(verifyRunToken(minted.token, { ...base, tool: "ticket.close" }))).toBe("wrong_tool");
    expect(await refusal(verifyRunToken(minted.token, { ...base, tool: "kb.search", tenant: "globex" }))).toBe("wrong_tenant");
    expect(decodeProtectedHeader(minted.token).typ).toBe(RUN_TOKEN_TYP);
  });

  it("minting writes the IssuedToken row and a token.minted audit event with the jti, never the token", async () => {
    const minted = await mintAction({ breakGlassSessionId: "bg_1" });
    const row = await db().issuedToken.findUnique({ where: { jti: minted.jti } });
    expect(row).toMatchObject({ kind: "action", tenantId: "acme", env: "prod", runId: "run_1", redeemedAt: null });
    expect(row!.expiresAt.getTime()).toBe(minted.expiresAt.getTime());
    const ev = await db().auditEvent.findFirst({ where: { type: "token.minted", jti: minted.jti } });
    expect(ev).toMatchObject({ status: "ok", tenantId: "acme", tool: "ticket.close", argsHash: argsHash(ARGS), breakGlassSessionId: "bg_1", requestId: "req_test" });
    expect(JSON.parse(ev!.data)).toEqual({ kind: "action", expires_at: minted.expiresAt.toISOString() });

    const all = await db().auditEvent.findMany();
    const signature = minted.token.split(".")[2]!;
    for (const r of all) {
      const text = JSON.stringify(r, bigIntsAsText);
      expect(text).not.toContain(minted.token);
      expect(text).not.toContain(signature);
    }
  });

  it("no token without its record: a rolled-back transaction leaves neither row", async () => {
    let jti = "";
    await expect(
      db().$transaction(async (tx) => {
        jti = (await mintActionToken(tx, actionInput(), audit)).jti;
        throw new Error("caller failed");
      }),
    ).rejects.toThrow("caller failed");
    expect(jti).not.toBe("");
    expect(await db().issuedToken.findUnique({ where: { jti } })).toBeNull();
    expect(await db().auditEvent.count({ where: { jti } })).toBe(0);
  });

  it("refuses a lifetime over five minutes", async () => {
    await expect(mintAction({ ttlSeconds: 301 })).rejects.toThrow(/lifetime/);
    await expect(mintAction({ ttlSeconds: 0 })).rejects.toThrow(/lifetime/);
  });

  it("concurrent mints all succeed and all verify", async () => {
    const minted = await Promise.all(Array.from({ length: 8 }, () => mintAction()));
    const opts = await verifyOpts();
    for (const m of minted) await expect(verifyActionToken(m.token, opts)).resolves.toBeTruthy();
    expect(new Set(minted.map((m) => m.jti)).size).toBe(8);
  });
});

describe("offline verification refuses", () => {
  it("alg none", async () => {
    const key = await activeSigningKey();
    const token = rawToken({ alg: "none", kid: key.kid, typ: ACTION_TOKEN_TYP }, claims(), () => "");
    expect(await refusal(verifyActionToken(token, await verifyOpts()))).toBe("bad_signature");
  });

  it("HS256 signed with the public key bytes", async () => {
    const key = await activeSigningKey();
    const jwks = await publicJwks();
    const pub = jwks.keys.find((k) => k.kid === key.kid)!;
    for (const secret of [Buffer.from(pub.x!, "base64url"), Buffer.from(JSON.stringify(pub)), Buffer.from(pub.x!)]) {
      const token = rawToken({ alg: "HS256", kid: key.kid, typ: ACTION_TOKEN_TYP }, claims(), (input) => crypto.createHmac("sha256", secret).update(input).digest("base64url"));
      expect(await refusal(verifyActionToken(token, await verifyOpts()))).toBe("bad_signature");
    }
  });

  it("a header alg that does not match the key", async () => {
    const good = await forge(claims());
    const [, payload, sig] = good.split(".");
    const key = await activeSigningKey();
    for (const alg of ["ES256", "Ed25519", "RS256"]) {
      const header = base64url.encode(JSON.stringify({ alg, kid: key.kid, typ: ACTION_TOKEN_TYP }));
      expect(await refusal(verifyActionToken(`${header}.${payload}.${sig}`, await verifyOpts()))).toBe("bad_signature");
    }
  });

  it("a tampered payload", async () => {
    const good = await forge(claims());
    const [header, , sig] = good.split(".");
    const payload = base64url.encode(JSON.stringify(claims({ tenant: "globex" })));
    expect(await refusal(verifyActionToken(`${header}.${payload}.${sig}`, await verifyOpts({ tenant: "globex" })))).toBe("bad_signature");
  });

  it("an unknown kid, and another key under a known kid", async () => {
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const stranger = await new SignJWT(claims()).setProtectedHeader({ alg: "EdDSA", kid: "not-ours", typ: ACTION_TOKEN_TYP }).sign(privateKey);
    expect(await refusal(verifyActionToken(stranger, await verifyOpts()))).toBe("unknown_kid");
    const key = await activeSigningKey();
    const impostor = await new SignJWT(claims()).setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: ACTION_TOKEN_TYP }).sign(privateKey);
    expect(await refusal(verifyActionToken(impostor, await verifyOpts()))).toBe("bad_signature");
    const noKid = await new SignJWT(claims()).setProtectedHeader({ alg: "EdDSA", typ: ACTION_TOKEN_TYP }).sign(privateKey);
    expect(await refusal(verifyActionToken(noKid, await verifyOpts()))).toBe("unknown_kid");
  });

  it("expired, not yet valid, issued in the future", async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await refusal(verifyActionToken(await forge(claims({ iat: now - 200, nbf: now - 200, exp: now - 30 })), await verifyOpts()))).toBe("expired");
    expect(await refusal(verifyActionToken(await forge(claims({ nbf: now + 60, exp: now + 200 })), await verifyOpts()))).toBe("not_yet_valid");
    expect(await refusal(verifyActionToken(await forge(claims({ iat: now + 60, nbf: now, exp: now + 200 })), await verifyOpts()))).toBe("not_yet_valid");
  });

  it("a lifetime over 300 seconds, even when exp is still in the future", async () => {
    const now = Math.floor(Date.now() / 1000);
    const long = await forge(claims({ iat: now, nbf: now, exp: now + 301 }));
    expect(await refusal(verifyActionToken(long, await verifyOpts({ clockToleranceSeconds: 0 })))).toBe("lifetime_too_long");
    const veryLong = await forge(claims({ iat: now, nbf: now, exp: now + 3600 }));
    expect(await refusal(verifyActionToken(veryLong, await verifyOpts()))).toBe("lifetime_too_long");
  });

  it("wrong audience, issuer or typ", async () => {
    expect(await refusal(verifyActionToken(await forge(claims({ aud: "someone-else" })), await verifyOpts()))).toBe("wrong_aud");
    expect(await refusal(verifyActionToken(await forge(claims({ iss: "evil" })), await verifyOpts()))).toBe("wrong_iss");
    for (const typ of ["JWT", "application/gh-action+jwt", "GH-ACTION+JWT", undefined]) {
      expect(await refusal(verifyActionToken(await forge(claims(), { typ }), await verifyOpts()))).toBe("wrong_typ");
    }
  });

  it("a run token used as an action token, and the reverse", async () => {
    const run = await mintRun();
    expect(await refusal(verifyActionToken(run.token, await verifyOpts({ tool: "kb.search" })))).toBe("wrong_typ");
    const action = await mintAction();
    const opts = await verifyOpts();
    expect(await refusal(verifyRunToken(action.token, { ...opts, tool: "ticket.close" }))).toBe("wrong_typ");
  });

  it("another tenant, environment or tool", async () => {
    const { token } = await mintAction();
    expect(await refusal(verifyActionToken(token, await verifyOpts({ tenant: "globex" })))).toBe("wrong_tenant");
    expect(await refusal(verifyActionToken(token, await verifyOpts({ env: "staging" })))).toBe("wrong_env");
    expect(await refusal(verifyActionToken(token, await verifyOpts({ tool: "ticket.delete" })))).toBe("wrong_tool");
    expect(await refusal(verifyActionToken(token, await verifyOpts({ tool: "Ticket.close" })))).toBe("wrong_tool");
  });

  it("args that differ from the approved args", async () => {
    const { token } = await mintAction();
    for (const args of [{ ...ARGS, ticket_id: "T-2" }, { ...ARGS, extra: true }, { ticket_id: "T-1" }, [ARGS], null]) {
      expect(await refusal(verifyActionToken(token, await verifyOpts({ args })))).toBe("args_mismatch");
    }
  });

  it("malformed tokens and claims", async () => {
    for (const t of ["", "abc", "a.b.c", "x".repeat(5000)]) {
      expect(await refusal(verifyActionToken(t, await verifyOpts()))).toBe("malformed");
    }
    const { action_id: _dropped, ...missing } = claims();
    expect(await refusal(verifyActionToken(await forge(missing), await verifyOpts()))).toBe("malformed");
    expect(await refusal(verifyActionToken(await forge(claims({ args_hash: "md5:abc" })), await verifyOpts()))).toBe("malformed");
  });
});

describe("key rotation", () => {
  it("live tokens survive rotation, new tokens carry the new kid, the JWKS never holds a private part", async () => {
    const before = await mintAction();
    const oldKid = decodeProtectedHeader(before.token).kid!;
    const { kid: newKid, retired } = await rotateSigningKey();
    expect(retired).toContain(oldKid);
    expect(newKid).not.toBe(oldKid);

    const jwks = await publicJwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    await expect(verifyActionToken(before.token, await verifyOpts({ jwks }))).resolves.toBeTruthy();

    const after = await mintAction();
    expect(decodeProtectedHeader(after.token).kid).toBe(newKid);
    await expect(verifyActionToken(after.token, await verifyOpts({ jwks }))).resolves.toBeTruthy();

    for (const k of jwks.keys) {
      expect(Object.keys(k).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);
      expect(k).toMatchObject({ alg: "EdDSA", use: "sig", crv: "Ed25519", kty: "OKP" });
    }
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);

    const ev = await db().auditEvent.findFirst({ where: { type: "signing_key.rotated" } });
    expect(JSON.parse(ev!.data)).toMatchObject({ kid: newKid });
  });

  it("private keys are sealed at rest and bound to their kid", async () => {
    const rows = await db().signingKey.findMany();
    for (const r of rows) {
      const priv = JSON.parse(unseal(r.privateSealed, `signing-key:${r.kid}`)) as { d: string };
      expect(r.privateSealed).not.toContain(priv.d);
      expect(r.publicJwk).not.toContain(priv.d);
      expect(() => unseal(r.privateSealed, "signing-key:other")).toThrow();
    }
  });

  it("a key retired more than ten minutes ago is no longer published", async () => {
    const before = await mintAction();
    const oldKid = decodeProtectedHeader(before.token).kid!;
    await rotateSigningKey();
    await db().signingKey.update({ where: { kid: oldKid }, data: { retiredAt: new Date(Date.now() - 11 * 60_000) } });
    const jwks: JSONWebKeySet = await publicJwks();
    expect(jwks.keys.map((k) => k.kid)).not.toContain(oldKid);
    expect(await refusal(verifyActionToken(before.token, await verifyOpts({ jwks })))).toBe("unknown_kid");
  });

  it("with two active keys (two instances each created one), everyone signs with the newest", async () => {
    const older = await activeSigningKey();
    const { kid: other } = await rotateSigningKey();
    // As if another instance had inserted its own first key a moment later.
    await db().signingKey.update({ where: { kid: older.kid }, data: { status: "active", retiredAt: null, createdAt: new Date(Date.now() + 1000) } });
    clearSigningKeyCache();
    expect((await activeSigningKey()).kid).toBe(older.kid);
    const jwks = await publicJwks();
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([other, older.kid]));
  });
});
