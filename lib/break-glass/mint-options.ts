import "server-only";
import { db } from "@/lib/db/client";
import { containsText } from "@/lib/db/text-search";

export type MintRunChoice = { id: string; agent: string; tenantId: string; env: string; route: string; startedAt: string; expiresAt: string; stepsLeft: number };
export type MintToolChoice = { name: string; kind: string; description: string };
/** `runsTotal`: every active run matching the search, of which `runs` holds the newest MAX_RUNS. */
export type MintOptions = { runs: MintRunChoice[]; runsTotal: number; tools: MintToolChoice[] };

/** Most runs offered in the picker, newest first; `runsTotal` says how many more match, and the search finds them. */
export const MAX_RUNS = 200;
/** Most agents a name search resolves to; a search that matches more names finds runs of the first ones only. */
const MAX_AGENTS_MATCHED = 500;

/**
 * What the break-glass mint form offers instead of pasted ids: the active,
 * unexpired runs (with their agent's name) and the catalog's tools. `q`
 * narrows the runs to those whose id is q, or whose agent (name or id), tenant,
 * environment or route contains it. Read-only; the mint itself re-checks
 * everything (lib/break-glass/mint-break-glass-token.ts).
 */
export async function listMintOptions(q?: string, now = new Date()): Promise<MintOptions> {
  const where: Record<string, unknown> = { status: "active", expiresAt: { gt: now } };
  if (q) {
    const agents = await db().agentCredential.findMany({ where: { OR: [{ name: containsText(q) }, { id: q }] }, select: { id: true }, take: MAX_AGENTS_MATCHED });
    where.OR = [
      { id: q },
      { tenantId: containsText(q) },
      { env: containsText(q) },
      { routeName: containsText(q) },
      ...(agents.length ? [{ credentialId: { in: agents.map((a) => a.id) } }] : []),
    ];
  }
  const [runs, runsTotal, tools] = await Promise.all([
    db().run.findMany({ where, orderBy: [{ startedAt: "desc" }, { id: "desc" }], take: MAX_RUNS }),
    db().run.count({ where }),
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
    runsTotal,
    tools,
  };
}
