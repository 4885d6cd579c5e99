import "server-only";
/**
 * Provider-shaped raw values (SQLite: ISO text, 0/1, bigint; Postgres: Date,
 * boolean, number) as the ORM's. Used by the table modules only: code outside
 * lib/db gets decoded rows.
 */
export function asDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === "string" || typeof v === "number") return new Date(v);
  if (typeof v === "bigint") return new Date(Number(v));
  throw new Error(`not a date: ${typeof v}`);
}

export function asNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint" || typeof v === "string") return Number(v);
  throw new Error(`not a number: ${typeof v}`);
}

export function asBool(v: unknown): boolean {
  return v === true || v === 1 || v === 1n || v === "1" || v === "t" || v === "true";
}

/** A 64-bit column (BigInt in the schema) as the ORM returns it. */
export function asBigInt(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  throw new Error(`not an integer: ${typeof v}`);
}
