import "server-only";
import argon2 from "argon2";

/**
 * argon2id at OWASP's recommended floor (19 MiB, t=2, p=1). The library's
 * default (64 MiB, t=3, p=4) took ~1.2 s per hash on a 2-core machine, which
 * turns sign-in itself into a denial-of-service lever.
 */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

/** Constant-time verification; a malformed hash verifies as false. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
