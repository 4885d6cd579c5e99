import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { requireAdminInTx as requireAdmin } from "@/lib/users/require-admin";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { rebasePolicy } from "@/lib/policy/rebase";
import { loadActivePolicy, loadPendingVersion, loadVersionPolicy } from "@/lib/policy-changes/policy-versions";
import { proposeInTx, withRaceAsConflict, type PolicyChangeResult } from "@/lib/policy-changes/propose-policy-change";

export type RebaseResult = PolicyChangeResult & { rebasedFrom: number; conflicts: string[] };

/**
 * The author moves a stale pending change onto the active version: their own
 * edits (base → proposed) are applied on top of the active policy, the old
 * version becomes "rebased", and the result is a new proposal with a new diff
 * against the active version (pending again if it still widens). Only the
 * author may rebase: a rebase by someone else would make them the author of
 * the new version and let the original author approve their own widening.
 */
export async function rebasePolicyChange(input: { versionId: string; actorId: string; requestId?: string | null }): Promise<RebaseResult> {
  return withRaceAsConflict(() =>
    db().$transaction(async (tx) => {
      await requireAdmin(tx, input.actorId);
      const { v, route } = await loadPendingVersion(tx, input.versionId);
      if (v.authorId !== input.actorId) throw new AppError("forbidden", "Only the author of a change can rebase it.");
      const { active, policy: current } = await loadActivePolicy(tx, route.name);
      if (v.baseVersion === active.version) throw new AppError("conflict", `v${v.version} is already based on the active version v${active.version}.`);
      const proposed = parsePolicy(v.policy);
      // Unknown base (a row from before bases were recorded): the author's whole policy is their edit.
      const base = (v.baseVersion === null ? null : await loadVersionPolicy(tx, route.id, v.baseVersion)) ?? current;
      const { policy, conflicts } = rebasePolicy(base, current, proposed);
      const merged = parsePolicy(policy);
      const took = await tx.policyVersion.updateMany({ where: { id: v.id, status: "pending" }, data: { status: "rebased" } });
      if (took.count !== 1) throw new AppError("conflict", "This policy version was decided by someone else.");
      await appendAudit(tx, {
        type: "policy.rebased",
        ...userActor(input),
        route: route.name,
        status: "rebased",
        data: { version: v.version, from_base: v.baseVersion, onto: active.version, conflicts },
      });
      const r = await proposeInTx(
        tx,
        { route: route.name, policy: merged, reason: v.reason, actorId: input.actorId, requestId: input.requestId, rebaseOf: { version: v.version, conflicts } },
        v.reason,
        merged,
      );
      return { ...r, rebasedFrom: v.version, conflicts };
    }),
  );
}
