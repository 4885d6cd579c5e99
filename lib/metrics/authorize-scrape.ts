import "server-only";
import crypto from "node:crypto";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { getSessionUser } from "@/lib/auth/session";
import { holdsAnyRole } from "@/lib/auth/roles";

/** Constant-time compare of two secrets of any length (hash first, so lengths leak nothing). */
function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => crypto.createHash("sha256").update(s).digest();
  return crypto.timingSafeEqual(h(a), h(b));
}

async function allowed(req: Request): Promise<boolean> {
  const token = env().GATEHOUSE_METRICS_TOKEN;
  const m = /^Bearer (\S+)$/.exec(req.headers.get("authorization") ?? "");
  if (token && m && sameSecret(m[1]!, token)) return true;
  const user = await getSessionUser(req);
  if (!user) return false;
  if (!holdsAnyRole(user.roles, ["admin"])) throw new AppError("forbidden", "Metrics need the admin role or the metrics token.");
  return true;
}

/** Who may read /metrics: a scraper's bearer GATEHOUSE_METRICS_TOKEN, or an admin's console session; never an agent key. 401/403 otherwise. */
export async function authorizeScrape(req: Request): Promise<void> {
  if (!(await allowed(req))) throw new AppError("unauthenticated", "Metrics need the admin role or the metrics token (Authorization: Bearer …).");
}
