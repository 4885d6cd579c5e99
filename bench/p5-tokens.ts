import crypto from "node:crypto";
import os from "node:os";
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, type CryptoKey } from "jose";
import { ACTION_TOKEN_TYP, TOKEN_ALG, actionClaimsSchema } from "@gatehouse-dev/sdk";
import { verifyActionTokenUnscoped } from "@gatehouse-dev/sdk";
import { argsHash } from "@gatehouse-dev/sdk";
import { signJws } from "@/lib/tokens/sign-jws";
import { round, timeInterleaved, type BenchResult } from "./stats";

/**
 * P5: minting and verifying an action token the way lib/tokens/mint.ts and
 * packages/sdk/src/verify-capability.ts do (zod claims + signJws; jose key set + node:crypto verify +
 * claim checks + zod), and the way before (jose SignJWT, jose jwtVerify), against raw
 * node:crypto Ed25519 over the same header and payload bytes.
 */
export async function benchTokens(quick: boolean): Promise<BenchResult> {
  const loadBefore = os.loadavg();
  const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALG, { crv: "Ed25519", extractable: true });
  const priv = await importJWK(await exportJWK(privateKey), TOKEN_ALG);
  const pubJwk = await exportJWK(publicKey);
  const jwks = { keys: [{ ...pubJwk, kid: "k1", alg: TOKEN_ALG, use: "sig" }] };
  const nodePriv = crypto.createPrivateKey({ key: await exportJWK(privateKey), format: "jwk" } as crypto.JsonWebKeyInput);
  const nodePub = crypto.createPublicKey({ key: pubJwk, format: "jwk" } as crypto.JsonWebKeyInput);
  const args = { query: "refund policy" };
  const hash = argsHash(args);
  const claims = (i: number) => {
    const iat = Math.floor(Date.now() / 1000);
    return {
      iss: "gatehouse",
      aud: "gatehouse-tools",
      sub: "cred_bench",
      jti: `jti_${i}`,
      iat,
      nbf: iat,
      exp: iat + 300,
      tenant: "acme",
      env: "prod",
      route: "support/send",
      run_id: "run_bench",
      action_id: `act_${i}`,
      tool: "kb.search",
      args_hash: hash,
      idempotency_key: `k${i}`,
      approver_ids: [] as string[],
    };
  };
  const header = Buffer.from(JSON.stringify({ alg: TOKEN_ALG, kid: "k1", typ: ACTION_TOKEN_TYP })).toString("base64url");
  const rawSign = (i: number) => {
    const input = `${header}.${Buffer.from(JSON.stringify(claims(i))).toString("base64url")}`;
    return `${input}.${crypto.sign(null, Buffer.from(input), nodePriv).toString("base64url")}`;
  };
  // What lib/tokens/mint.ts does per token: zod-validated claims, then signJws with the cached KeyObject.
  const key = { kid: "k1", keyObject: crypto.KeyObject.from(priv as CryptoKey) };
  const productMint = async (i: number) => signJws(actionClaimsSchema.parse(claims(i)), ACTION_TOKEN_TYP, key);
  // The way before (jose SignJWT through WebCrypto), kept to show the difference.
  const joseMint = (i: number) => new SignJWT(actionClaimsSchema.parse(claims(i))).setProtectedHeader({ alg: TOKEN_ALG, kid: "k1", typ: ACTION_TOKEN_TYP }).sign(priv as CryptoKey);

  const sizes = { batches: quick ? 40 : 200, perBatch: 50 };
  const { mint, jose, raw } = await timeInterleaved({ mint: productMint, jose: joseMint, raw: rawSign }, sizes);

  const tokens = await Promise.all(Array.from({ length: 256 }, (_, i) => productMint(i)));
  const productVerify = (i: number) => verifyActionTokenUnscoped(tokens[i & 255]!, { jwks, issuer: "gatehouse", audience: "gatehouse-tools", tool: "kb.search", args });
  // The way before: jose jwtVerify (signature through WebCrypto) with the same options, then the schema.
  const joseSet = createLocalJWKSet(jwks);
  const joseVerifyOne = async (i: number) => {
    const { payload } = await jwtVerify(tokens[i & 255]!, joseSet, {
      algorithms: [TOKEN_ALG],
      issuer: "gatehouse",
      audience: "gatehouse-tools",
      clockTolerance: 5,
      maxTokenAge: 300,
      requiredClaims: ["sub", "jti", "iat", "nbf", "exp"],
    });
    return actionClaimsSchema.parse(payload).args_hash === argsHash(args);
  };
  const rawVerifyOne = (i: number) => {
    const t = tokens[i & 255]!;
    const dot = t.lastIndexOf(".");
    const ok = crypto.verify(null, Buffer.from(t.slice(0, dot)), nodePub, Buffer.from(t.slice(dot + 1), "base64url"));
    const payload = JSON.parse(Buffer.from(t.slice(t.indexOf(".") + 1, dot), "base64url").toString());
    return ok && payload.args_hash === argsHash(args);
  };
  const { verify, joseVerify, rawVerify } = await timeInterleaved({ verify: productVerify, joseVerify: joseVerifyOne, rawVerify: rawVerifyOne }, sizes);

  const mintRatio = mint.median / raw.median;
  const verifyRatio = verify.median / rawVerify.median;
  return {
    id: "P5",
    title: "Tokens: mint/verify vs raw node:crypto Ed25519",
    rows: [
      {
        operation: "mint (zod claims + signJws, cached KeyObject)",
        "median µs": round(mint.median, 1),
        "p99 µs": round(mint.p99, 1),
        "raw median µs": round(raw.median, 1),
        ratio: `${round(mintRatio, 2)}×`,
      },
      {
        operation: "mint the way before (zod claims + jose SignJWT)",
        "median µs": round(jose.median, 1),
        "p99 µs": round(jose.p99, 1),
        "raw median µs": round(raw.median, 1),
        ratio: `${round(jose.median / raw.median, 2)}×`,
      },
      {
        operation: "verify the way before (jose jwtVerify + zod claims)",
        "median µs": round(joseVerify.median, 1),
        "p99 µs": round(joseVerify.p99, 1),
        "raw median µs": round(rawVerify.median, 1),
        ratio: `${round(joseVerify.median / rawVerify.median, 2)}×`,
      },
      {
        operation: "verify (verifyActionTokenUnscoped: jose key set, node:crypto Ed25519, claims, zod)",
        "median µs": round(verify.median, 1),
        "p99 µs": round(verify.p99, 1),
        "raw median µs": round(rawVerify.median, 1),
        ratio: `${round(verifyRatio, 2)}×`,
      },
    ],
    goals: [
      { goal: "mint within 1.3× of raw", value: `${round(mintRatio, 2)}×`, met: mintRatio <= 1.3 },
      { goal: "verify within 1.3× of raw", value: `${round(verifyRatio, 2)}×`, met: verifyRatio <= 1.3 },
    ],
    loadBefore,
    loadAfter: os.loadavg(),
  };
}
