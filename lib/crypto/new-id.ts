import "server-only";
import crypto from "node:crypto";

/**
 * Ids with a readable prefix, a time part and 128 random bits:
 * `act_01kmz3h0r4Zq…`. The time part (milliseconds, 10 Crockford base-32
 * characters, like a ULID's) makes ids created together sort together, so an
 * index on them grows at its right edge: a group commit of 30 proposals then
 * writes a few index pages instead of one page per proposal per index (every
 * random-keyed index on Action, IssuedToken and AuditEvent). The random part is
 * what makes an id unguessable and unique; an id reveals when it was made,
 * which every row carries in the clear anyway.
 */
export function newId(prefix: string, bytes = 16): string {
  return `${prefix}_${timePart(Date.now())}${randomBytes(bytes).toString("base64url")}`;
}

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";

/** 10 base-32 digits of a millisecond time (good to the year 10889), in an order that sorts as text. */
export function timePart(ms: number): string {
  let s = "";
  for (let i = 0; i < 10; i++) {
    s = CROCKFORD[ms % 32]! + s;
    ms = Math.floor(ms / 32);
  }
  return s;
}

const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * Random bytes from the CSPRNG, drawn 4 KiB at a time (as crypto.randomUUID
 * does): one randomBytes call costs ~7 µs here whatever its size. Each caller
 * gets a fresh copy of bytes no one else gets.
 */
export function randomBytes(n: number): Buffer {
  if (n > POOL_SIZE / 4) return crypto.randomBytes(n);
  if (offset + n > pool.length) {
    pool = crypto.randomBytes(POOL_SIZE);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}
