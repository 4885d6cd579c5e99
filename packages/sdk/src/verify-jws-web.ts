import type { JWTHeaderParameters, JWTVerifyGetKey } from "jose";
import { base64url } from "jose";
import { CapabilityError } from "./capability-error";
import { decodeJsonObject, malformed, splitJws, type VerifiedJws } from "./jws-parts";

/**
 * Verify a compact EdDSA (Ed25519) JWS with WebCrypto only (`globalThis.crypto.subtle`):
 * edge runtimes, workers, Deno, Bun. The same parsing rules as ./verify-jws.
 */
export async function verifyEd25519JwsWeb(token: string, getKey: JWTVerifyGetKey): Promise<VerifiedJws> {
  const { h, p, s, header } = splitJws(token);
  const key = await publicKey(getKey, header, token);
  const signature = base64url.decode(s) as Uint8Array<ArrayBuffer>;
  const ok = signature.length === 64 && (await globalThis.crypto.subtle.verify({ name: "Ed25519" }, key, signature, new TextEncoder().encode(`${h}.${p}`)));
  if (!ok) throw new CapabilityError("bad_signature", "The signature is invalid.");
  const payload = decodeJsonObject(p);
  if (!payload) throw malformed("The token's claims are not a JSON object.");
  return { header, payload };
}

const imported = new WeakMap<object, CryptoKey>();

async function publicKey(getKey: JWTVerifyGetKey, header: JWTHeaderParameters, token: string): Promise<CryptoKey> {
  const [protectedHeader, payload, signature] = token.split(".") as [string, string, string];
  const found: unknown = await getKey(header, { payload, signature, protected: protectedHeader });
  if (typeof found !== "object" || found === null || found instanceof Uint8Array) throw notEd25519();
  const cached = imported.get(found);
  if (cached) return cached;
  let key: CryptoKey;
  try {
    key =
      typeof CryptoKey !== "undefined" && found instanceof CryptoKey
        ? found
        : await globalThis.crypto.subtle.importKey("jwk", found as JsonWebKey, { name: "Ed25519" }, false, ["verify"]);
  } catch {
    throw notEd25519();
  }
  if (key.type !== "public" || key.algorithm.name !== "Ed25519") throw notEd25519();
  imported.set(found, key);
  return key;
}

function notEd25519(): CapabilityError {
  return new CapabilityError("jwks_unavailable", "The key set gave a key that is not an Ed25519 public key.");
}
