import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { requireAdminInTx as requireAdmin } from "@/lib/users/require-admin";
import { loadPendingVersion } from "@/lib/policy-changes/policy-versions";

/** Reject (or, for its author, withdraw) a pending policy version. Nothing changes in effect. */
export async function rejectPolicyChange(input: { versionId: string; actorId: string; reason: string; requestId?: string | null }): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdmin(tx, input.actorId);
    const { v, route } = await loadPendingVersion(tx, input.versionId);
    const took = await tx.policyVersion.updateMany({ where: { id: v.id, status: "pending" }, data: { status: "rejected" } });
    if (took.count !== 1) throw new AppError("conflict", "This policy version was decided by someone else.");
    await appendAudit(tx, {
      type: "policy.rejected",
      ...userActor(input),

      route: route.name,
      status: "rejected",
      reason: input.reason.trim().slice(0, 1000) || null,
      data: { version: v.version, author_id: v.authorId, withdrawn: v.authorId === input.actorId },
    });
    await enqueueWebhookEvent(tx, "policy.changed", { route: route.name, version: v.version, status: "rejected" });
  });
}
