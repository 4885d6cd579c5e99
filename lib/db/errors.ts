/** True for a unique-constraint violation from either provider, through Prisma or raw SQL. */
export function isUniqueViolation(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { code?: unknown; message?: unknown; meta?: { code?: unknown; kind?: unknown } };
  if (e.code === "P2002") return true;
  if (e.meta && (e.meta.code === "23505" || e.meta.code === "2067" || e.meta.code === "1555")) return true;
  return typeof e.message === "string" && /Unique constraint|UNIQUE constraint failed|duplicate key value/i.test(e.message);
}
