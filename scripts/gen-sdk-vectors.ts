import crypto from "node:crypto";
import fs from "node:fs";
import { SignJWT, exportJWK } from "jose";
import { argsHash, canonicalJson, ACTION_TOKEN_TYP, PREVIEW_TOKEN_TYP, RUN_TOKEN_TYP } from "@gatehouse-dev/sdk";

// Writes docs/test-vectors.json: args → canonical JSON → hash, and tokens → verdicts, signed with a
// fixed PUBLIC TEST key (its seed is below on purpose: these tokens prove nothing anywhere else).
//   npx tsx scripts/gen-sdk-vectors.ts        (deterministic: Ed25519 signatures have no randomness)

const SEED = Buffer.alloc(32, 7);
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const privateKey = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, SEED]), format: "der", type: "pkcs8" });
const publicJwk = { ...(await exportJWK(crypto.createPublicKey(privateKey))), kid: "test-vector-key", alg: "EdDSA", use: "sig" };

const args: { name: string; args: unknown }[] = [
  { name: "key order and nesting", args: { ticket_id: "T-1", resolution: "done", meta: { z: 1, a: [3, 1, 2] } } },
  { name: "numbers (RFC 8785 / ECMAScript form)", args: { amount_usd: 10.5, big: 1e21, small: 1e-7, int: 100, neg_zero: -0 } },
  { name: "unicode and escapes", args: { note: 'café \u2028 "quoted" \\ tab\t', emoji: "😀", "key_€": true } },
  { name: "empty", args: {} },
  { name: "literals", args: { yes: true, no: false, nothing: null, list: [] } },
];

const NOW = 1_900_000_000;
const base = {
  iss: "gatehouse",
  aud: "gatehouse-tools",
  sub: "cred_test",
  jti: "tok_test",
  iat: NOW - 10,
  nbf: NOW - 10,
  exp: NOW + 290,
  tenant: "acme",
  env: "prod",
  route: "support/send",
  run_id: "run_test",
};
const closeArgs = { ticket_id: "T-18421", resolution: "Reset auth token" };
const action = { ...base, action_id: "act_test", tool: "ticket.close", args_hash: argsHash(closeArgs), idempotency_key: "k1", approver_ids: ["usr_rita"] };

async function sign(claims: Record<string, unknown>, header: { typ: string; kid?: string; alg?: string } = { typ: ACTION_TOKEN_TYP }): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: "test-vector-key", ...header }).sign(privateKey);
}

const expect = { kind: "action", tenant: "acme", env: "prod", tool: "ticket.close", args: closeArgs };
const tokens: { name: string; token: string; verify: Record<string, unknown>; verdict: string }[] = [
  { name: "valid action token", token: await sign(action), verify: expect, verdict: "ok" },
  { name: "args differ from the approved args", token: await sign(action), verify: { ...expect, args: { ...closeArgs, resolution: "other" } }, verdict: "args_mismatch" },
  { name: "another tenant", token: await sign(action), verify: { ...expect, tenant: "globex" }, verdict: "wrong_tenant" },
  { name: "another tool", token: await sign(action), verify: { ...expect, tool: "ticket.update" }, verdict: "wrong_tool" },
  { name: "expired", token: await sign({ ...action, iat: NOW - 400, nbf: NOW - 400, exp: NOW - 100 }), verify: expect, verdict: "expired" },
  { name: "lives longer than 5 minutes", token: await sign({ ...action, exp: NOW + 600 }), verify: expect, verdict: "lifetime_too_long" },
  { name: "wrong audience", token: await sign({ ...action, aud: "someone-else" }), verify: expect, verdict: "wrong_aud" },
  { name: "run token presented as an action token", token: await sign({ ...base, tools: ["kb.search"] }, { typ: RUN_TOKEN_TYP }), verify: expect, verdict: "wrong_typ" },
  {
    name: "preview token presented as an action token",
    token: await sign({ ...action, aud: "gatehouse-tools/preview", scope: "preview:read" }, { typ: PREVIEW_TOKEN_TYP }),
    verify: expect,
    verdict: "wrong_typ",
  },
  { name: "unknown key id", token: await sign(action, { typ: ACTION_TOKEN_TYP, kid: "other-key" }), verify: expect, verdict: "unknown_kid" },
  { name: "alg none", token: unsigned({ alg: "none", typ: ACTION_TOKEN_TYP, kid: "test-vector-key" }, action), verify: expect, verdict: "bad_signature" },
  { name: "signature of another payload", token: tamper(await sign(action)), verify: expect, verdict: "bad_signature" },
  {
    name: "valid run token for a listed read tool",
    token: await sign({ ...base, tools: ["kb.search"] }, { typ: RUN_TOKEN_TYP }),
    verify: { kind: "run", tenant: "acme", env: "prod", tool: "kb.search" },
    verdict: "ok",
  },
];

function b64(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString("base64url");
}
function unsigned(header: unknown, claims: unknown): string {
  return `${b64(header)}.${b64(claims)}.`;
}
/** The action's header and signature over a payload with another args_hash. */
function tamper(token: string): string {
  const [h, , s] = token.split(".");
  return `${h}.${b64({ ...action, args_hash: argsHash({ ticket_id: "T-1" }) })}.${s}`;
}

const doc = {
  description: "Gatehouse SDK test vectors (docs/SPEC.md). Tokens are signed with a public TEST key; verify them at now_seconds with the given issuer and audience.",
  args_hash: args.map((a) => ({ name: a.name, args: a.args, canonical_json: canonicalJson(a.args), args_hash: argsHash(a.args) })),
  tokens: { now_seconds: NOW, issuer: "gatehouse", audience: "gatehouse-tools", jwks: { keys: [publicJwk] }, cases: tokens },
};
fs.writeFileSync("docs/test-vectors.json", JSON.stringify(doc, null, 2) + "\n");
console.log(`docs/test-vectors.json: ${doc.args_hash.length} args vectors, ${tokens.length} token vectors`);
