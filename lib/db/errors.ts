import "server-only";
/** True for a unique-constraint violation from either provider, through Prisma or raw SQL. */
export function isUniqueViolation(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { code?: unknown; message?: unknown; meta?: { code?: unknown; kind?: unknown } };
  if (e.code === "P2002") return true;
  if (e.meta && (e.meta.code === "23505" || e.meta.code === "2067" || e.meta.code === "1555")) return true;
  return typeof e.message === "string" && /Unique constraint|UNIQUE constraint failed|duplicate key value/i.test(e.message);
}

/** Driver-adapter error kinds that mean "the database cannot serve this now", not "the request was wrong". */
const UNAVAILABLE_KINDS = new Set([
  "SocketTimeout", // SQLite maps SQLITE_BUSY here
  "DatabaseNotReachable",
  "DatabaseDoesNotExist",
  "DatabaseAccessDenied",
  "ConnectionClosed",
  "TlsConnectionError",
  "AuthenticationFailed",
  "TooManyConnections",
  "TransactionAlreadyClosed",
]);
/** Prisma engine codes for unreachable servers, pool and transaction timeouts. */
const UNAVAILABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028"]);
const UNAVAILABLE_DRIVER_CODE = /^(SQLITE_(BUSY|LOCKED|READONLY|IOERR|FULL|CANTOPEN|PERM|CORRUPT|NOTADB)|ECONNREFUSED|ECONNRESET|ETIMEDOUT|57P0[123]|53300|08\d\d\d)/;

type DbErrorLink = {
  kind?: unknown;
  code?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown; code?: unknown };
};

/** Does `test` hold for the error or anything it wraps (its `cause`, Prisma's `meta.driverAdapterError`)? */
function anyInChain(err: unknown, test: (o: DbErrorLink, e: object) => boolean): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length) {
    const e = queue.shift();
    if (!e || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const o = e as DbErrorLink;
    if (test(o, e)) return true;
    queue.push(o.cause, o.meta?.driverAdapterError);
  }
  return false;
}

/**
 * True when a database failure means the store is locked, read-only, full or
 * unreachable. The caller answers 503: the transaction rolled back, so
 * nothing was decided and nothing was minted.
 */
export function isDbUnavailable(err: unknown): boolean {
  return anyInChain(
    err,
    (o, e) =>
      (typeof o.kind === "string" && UNAVAILABLE_KINDS.has(o.kind)) ||
      (typeof o.code === "string" && (UNAVAILABLE_PRISMA_CODES.has(o.code) || UNAVAILABLE_DRIVER_CODE.test(o.code))) ||
      (typeof o.originalCode === "string" && UNAVAILABLE_DRIVER_CODE.test(o.originalCode)) ||
      // better-sqlite3 reports an unopenable file as a TypeError with this text and no code.
      (e instanceof TypeError && typeof o.message === "string" && o.message.startsWith("Cannot open database")),
  );
}

/** SQLSTATEs for text PostgreSQL cannot store: a NUL byte (22021), a character outside the encoding (22P05). */
const REJECTED_TEXT_CODES = new Set(["22021", "22P05"]);

/**
 * True when the database refused a value the caller sent as text it cannot
 * hold (PostgreSQL and a NUL byte; SQLite stores it). The caller's mistake:
 * 400, and the statement's transaction rolled back, so nothing changed.
 */
export function isDbRejectedText(err: unknown): boolean {
  return anyInChain(err, (o) => [o.code, o.originalCode, o.meta?.code].some((c) => typeof c === "string" && REJECTED_TEXT_CODES.has(c)));
}
