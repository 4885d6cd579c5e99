import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type JSONWebKeySet } from "jose";
import { CapabilityError, mapJoseError, verifyActionTokenUnscoped } from "@gatehouse-dev/sdk";
import { ACTION_TOKEN_TYP, MAX_TOKEN_TTL_SECONDS, TOKEN_ALG, actionClaimsSchema } from "@gatehouse-dev/sdk";
import { argsHash } from "@gatehouse-dev/sdk";

/**
 * The verifier checks signatures with node:crypto and registered claims itself
 * (packages/sdk/src/verify-jws.ts, packages/sdk/src/check-jwt-claims.ts). Here every token is
 * also verified the way it was before — jose's jwtVerify with the same options
 * — and both must give the same answer, error code included. The only
 * differences allowed are listed: spellings jose forgives and we refuse.
 */

const ISS = "gatehouse";
const AUD = "gatehouse-tools";
const args = { query: "refund policy" };
const b64 = (v: string | Buffer) => Buffer.from(v).toString("base64url");
const json = (v: unknown) => b64(JSON.stringify(v));

const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const other = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const nodePriv = crypto.KeyObject.from(privateKey);
const otherPriv = crypto.KeyObject.from(other.privateKey);
const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: TOKEN_ALG, use: "sig" }] };

const now = Math.floor(Date.now() / 1000);
const goodClaims = {
  iss: ISS,
  aud: AUD,
  sub: "cred_1",
  jti: "jti_1",
  iat: now,
  nbf: now,
  exp: now + 300,
  tenant: "acme",
  env: "prod",
  route: "support/send",
  run_id: "run_1",
  action_id: "act_1",
  tool: "kb.search",
  args_hash: argsHash(args),
  idempotency_key: "k",
  approver_ids: [],
};
const goodHeader = { alg: TOKEN_ALG, kid: "k1", typ: ACTION_TOKEN_TYP };

/** Sign raw header and payload parts (strings are taken as already encoded). */
function sign(header: unknown, payload: unknown, key = nodePriv): string {
  const h = typeof header === "string" ? header : json(header);
  const p = typeof payload === "string" ? payload : Buffer.isBuffer(payload) ? b64(payload) : json(payload);
  return `${h}.${p}.${b64(crypto.sign(null, Buffer.from(`${h}.${p}`), key))}`;
}

/** The verifier as it was: jose jwtVerify, exact typ, the claims schema, the lifetime cap. */
async function reference(token: string): Promise<string> {
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== TOKEN_ALG) return "bad_signature";
    if (typeof header.kid !== "string" || header.kid.length === 0) return "unknown_kid";
  } catch {
    return "malformed";
  }
  try {
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
      algorithms: [TOKEN_ALG],
      issuer: ISS,
      audience: AUD,
      clockTolerance: 5,
      maxTokenAge: MAX_TOKEN_TTL_SECONDS,
      requiredClaims: ["sub", "jti", "iat", "nbf", "exp"],
    });
    if (protectedHeader.typ !== ACTION_TOKEN_TYP) return "wrong_typ";
    const parsed = actionClaimsSchema.safeParse(payload);
    if (!parsed.success) return "malformed";
    if (parsed.data.exp - parsed.data.iat > MAX_TOKEN_TTL_SECONDS + 5) return "lifetime_too_long";
    if (parsed.data.tool !== "kb.search") return "wrong_tool";
    return parsed.data.args_hash === argsHash(args) ? "ok" : "args_mismatch";
  } catch (err) {
    return mapJoseError(err).code;
  }
}

async function ours(token: string): Promise<string> {
  try {
    await verifyActionTokenUnscoped(token, { jwks, issuer: ISS, audience: AUD, tool: "kb.search", args });
    return "ok";
  } catch (err) {
    if (err instanceof CapabilityError) return err.code;
    throw err;
  }
}

const good = sign(goodHeader, goodClaims);
const [gh, gp, gs] = good.split(".") as [string, string, string];
const withClaims = (c: Record<string, unknown>) => sign(goodHeader, { ...goodClaims, ...c });
const without = (k: string) => sign(goodHeader, Object.fromEntries(Object.entries(goodClaims).filter(([x]) => x !== k)));
const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);

const cases: Record<string, string> = {
  valid: good,
  "signature altered": `${gh}.${gp}.${flip(gs, 10)}`,
  "payload altered": `${gh}.${flip(gp, 20)}.${gs}`,
  "header altered": `${flip(gh, 5)}.${gp}.${gs}`,
  "signed by another key": sign(goodHeader, goodClaims, otherPriv),
  "signature truncated": `${gh}.${gp}.${gs.slice(0, 40)}`,
  "signature empty": `${gh}.${gp}.`,
  "two parts": `${gh}.${gp}`,
  "four parts": `${good}.x`,
  empty: "",
  "alg none": `${json({ ...goodHeader, alg: "none" })}.${gp}.`,
  "alg HS256": sign({ ...goodHeader, alg: "HS256" }, goodClaims),
  "alg ES256": sign({ ...goodHeader, alg: "ES256" }, goodClaims),
  "alg missing": sign({ kid: "k1", typ: ACTION_TOKEN_TYP }, goodClaims),
  "kid missing": sign({ alg: TOKEN_ALG, typ: ACTION_TOKEN_TYP }, goodClaims),
  "kid unknown": sign({ ...goodHeader, kid: "k9" }, goodClaims),
  "kid not a string": sign({ ...goodHeader, kid: 1 }, goodClaims),
  "typ missing": sign({ alg: TOKEN_ALG, kid: "k1" }, goodClaims),
  "typ of a run token": sign({ ...goodHeader, typ: "gh-run+jwt" }, goodClaims),
  "typ with media-type prefix": sign({ ...goodHeader, typ: `application/${ACTION_TOKEN_TYP}` }, goodClaims),
  "crit unknown extension": sign({ ...goodHeader, crit: ["exp"], exp: 1 }, goodClaims),
  "crit b64 false": sign({ ...goodHeader, crit: ["b64"], b64: false }, goodClaims),
  "header is an array": sign("WzFd", goodClaims),
  "header not JSON": sign(b64("{nope"), goodClaims),
  "payload is an array": sign(goodHeader, [1, 2]),
  "payload is null": sign(goodHeader, "bnVsbA"),
  "payload not JSON": sign(goodHeader, Buffer.from("{nope")),
  "payload bad UTF-8": sign(goodHeader, Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])),
  "payload duplicate keys (last wins, like JSON.parse)": sign(goodHeader, b64(JSON.stringify(goodClaims).replace('"tool":"kb.search"', '"tool":"db.write","tool":"kb.search"'))),
  "iss wrong": withClaims({ iss: "evil" }),
  "iss missing": without("iss"),
  "aud wrong": withClaims({ aud: "other" }),
  "aud array containing ours": withClaims({ aud: [AUD, "x"] }),
  "aud array without ours": withClaims({ aud: ["x"] }),
  "aud missing": without("aud"),
  "sub missing": without("sub"),
  "jti missing": without("jti"),
  "iat missing": without("iat"),
  "nbf missing": without("nbf"),
  "exp missing": without("exp"),
  "iat a string": withClaims({ iat: String(now) }),
  "nbf a string": withClaims({ nbf: String(now) }),
  "exp a string": withClaims({ exp: String(now + 300) }),
  "exp null": withClaims({ exp: null }),
  expired: withClaims({ iat: now - 400, nbf: now - 400, exp: now - 100 }),
  "expired within tolerance": withClaims({ iat: now - 302, nbf: now - 302, exp: now - 2 }),
  "exp exactly now minus tolerance": withClaims({ iat: now - 305, nbf: now - 305, exp: now - 5 }),
  "nbf in the future": withClaims({ nbf: now + 60 }),
  "nbf within tolerance": withClaims({ nbf: now + 3 }),
  "iat in the future": withClaims({ iat: now + 60, nbf: now, exp: now + 300 }),
  "iat too old": withClaims({ iat: now - 310, nbf: now - 10, exp: now + 100 }),
  "lifetime too long": withClaims({ exp: now + 3600 }),
  "fractional iat": withClaims({ iat: now + 0.5 }),
  "wrong tool": withClaims({ tool: "db.write" }),
  "args differ": withClaims({ args_hash: argsHash({ query: "other" }) }),
  "private claim of the wrong type": withClaims({ approver_ids: "u1" }),
  "env outside the enum": withClaims({ env: "qa" }),
};

/** Spellings of a valid token that jose accepts and we refuse on purpose (one token, one spelling). */
const STRICTER: Record<string, string> = {
  "signature with non-zero padding bits": `${gh}.${gp}.${gs.slice(0, -1)}${String.fromCharCode(gs.charCodeAt(gs.length - 1) + 1)}`,
  "base64 padding appended": `${gh}.${gp}.${gs}==`,
  "crit b64 true": sign({ ...goodHeader, crit: ["b64"], b64: true }, goodClaims),
};

describe("Ed25519 verification on node:crypto agrees with jose's jwtVerify", () => {
  it.each(Object.entries(cases))("%s", async (_name, token) => {
    const expected = await reference(token);
    expect(await ours(token)).toBe(expected);
  });

  it("the cases cover acceptance and every refusal code they can reach", async () => {
    const codes = new Set(await Promise.all(Object.values(cases).map(ours)));
    for (const c of [
      "ok",
      "malformed",
      "bad_signature",
      "unknown_kid",
      "wrong_typ",
      "wrong_iss",
      "wrong_aud",
      "expired",
      "not_yet_valid",
      "lifetime_too_long",
      "wrong_tool",
      "args_mismatch",
    ]) {
      expect(codes, c).toContain(c);
    }
  });

  it.each(Object.entries(STRICTER))("refuses what jose forgives: %s", async (_name, token) => {
    expect(await reference(token)).toBe("ok");
    expect(await ours(token)).toBe("malformed");
  });

  it("a key set entry that is not an Ed25519 key is refused, never used", async () => {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const bad: JSONWebKeySet = { keys: [{ ...(await exportJWK(rsa.publicKey)), kid: "k1" }] };
    const err = await verifyActionTokenUnscoped(good, { jwks: bad, issuer: ISS, audience: AUD, tool: "kb.search", args }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapabilityError);
    expect((err as CapabilityError).code).not.toBe("ok");
  });

  it("a resolver function's key is used (remote and custom key sets go the same way)", async () => {
    const resolver = async () => publicKey;
    await expect(verifyActionTokenUnscoped(good, { jwks: resolver, issuer: ISS, audience: AUD, tool: "kb.search", args })).resolves.toMatchObject({ jti: "jti_1" });
    const wrong = async () => other.publicKey;
    await expect(verifyActionTokenUnscoped(good, { jwks: wrong, issuer: ISS, audience: AUD, tool: "kb.search", args })).rejects.toMatchObject({ code: "bad_signature" });
  });
});
