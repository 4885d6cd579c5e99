import "server-only";
import { provider } from "@/lib/db/client";

/**
 * The ORM filter for "this column contains q, whatever its case", the same on both providers: SQLite's LIKE already
 * ignores ASCII case, PostgreSQL's needs the ORM's insensitive mode (ILIKE). The console's searches use it.
 */
export function containsText(q: string): { contains: string; mode?: "insensitive" } {
  return provider() === "postgres" ? { contains: q, mode: "insensitive" } : { contains: q };
}
