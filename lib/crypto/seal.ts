import "server-only";
import crypto from "node:crypto";
import { env } from "@/lib/env";
import { randomBytes } from "@/lib/crypto/new-id";

/**
 * AES-256-GCM with the at-rest key, for secrets the server must read back
 * (signing keys, webhook secrets, a token awaiting pickup).
 * Format: v1.<iv>.<tag>.<ciphertext>, base64url; `context` is bound as AAD so a
 * sealed value cannot be moved to another column.
 */
export function seal(plain: string, context: string, key: Buffer = env().atRestKey): string {
  const iv = randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(context));
  const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ct.toString("base64url")].join(".");
}

export function unseal(sealed: string, context: string, key: Buffer = env().atRestKey): string {
  const [v, iv, tag, ct] = sealed.split(".");
  if (v !== "v1" || !iv || !tag || ct === undefined) throw new Error("sealed value has an unknown format");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}
