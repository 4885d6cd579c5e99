import "server-only";
import { db } from "@/lib/db/client";

export type AgentRow = {
  id: string;
  name: string;
  keyPrefix: string;
  tenantId: string;
  env: string;
  routes: string[];
  lastUsedAt: string | null;
  createdAt: string;
  revoked: boolean;
};

function routeList(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}

/** Agent credentials (never their hashes or secrets), newest first. */
export async function listAgents(): Promise<AgentRow[]> {
  const creds = await db().agentCredential.findMany({
    orderBy: { createdAt: "desc" },
    select: { id: true, name: true, keyPrefix: true, tenantId: true, env: true, routes: true, lastUsedAt: true, createdAt: true, revokedAt: true },
  });
  return creds.map((c) => ({
    id: c.id,
    name: c.name,
    keyPrefix: c.keyPrefix,
    tenantId: c.tenantId,
    env: c.env,
    routes: routeList(c.routes),
    lastUsedAt: c.lastUsedAt?.toISOString() ?? null,
    createdAt: c.createdAt.toISOString(),
    revoked: c.revokedAt !== null,
  }));
}
