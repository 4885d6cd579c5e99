import "server-only";
import { db } from "@/lib/db/client";

export type MintRunChoice = { id: string; agent: string; tenantId: string; env: string; route: string; startedAt: string; expiresAt: string; stepsLeft: number };
export type MintToolChoice = { name: string; kind: string; description: string };
export type MintOptions = { runs: MintRunChoice[]; tools: MintToolChoice[] };

/** Most runs offered in the picker, newest first (the picker is a list: an older run is not offered). */
const MAX_RUNS = 200;

/**
 * What the break-glass mint form offers instead of pasted ids: the active,
 * unexpired runs (with their agent's name) and the catalog's tools. Read-only;
 * the mint itself re-checks everything (lib/break-glass/mint-break-glass-token.ts).
 */
export async function listMintOptions(now = new Date()): Promise<MintOptions> {
  const [runs, tools] = await Promise.all([
    db().run.findMany({ where: { status: "active", expiresAt: { gt: now } }, orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: MAX_RUNS }),
    db().tool.findMany({ select: { name: true, kind: true, description: true }, orderBy: { name: "asc" } }),
  ]);
  const creds = runs.length ? await db().agentCredential.findMany({ where: { id: { in: [...new Set(runs.map((r) => r.credentialId))] } }, select: { id: true, name: true } }) : [];
  return {
    runs: runs.map((r) => ({
      id: r.id,
      agent: creds.find((c) => c.id === r.credentialId)?.name ?? r.credentialId,
      tenantId: r.tenantId,
      env: r.env,
      route: r.routeName,
      startedAt: r.startedAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
      stepsLeft: Math.max(0, r.stepsMax - r.stepsUsed),
    })),
    tools,
  };
}
