import "server-only";
import { z } from "zod";
import { db, type Tx } from "@/lib/db/client";
import { AppError, zodIssues } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { EXPECTATION_KINDS } from "@/lib/policy/expectations";
import { requireAdminInTx as requireAdmin } from "@/lib/users/require-admin";
import { requireSecondPerson, type ApprovalChannel } from "@/lib/users/two-person";

export const policyTestInput = z.strictObject({
  route: z.string().min(1).max(200),
  tool: z.string().min(1).max(100),
  expect: z.enum(EXPECTATION_KINDS),
  note: z.string().max(500).default(""),
});

type Ctx = { actorId: string; requestId?: string | null };

/** Add an expectation to a route. It runs against every proposed version from now on. */
export async function addPolicyTest(input: unknown, ctx: Ctx): Promise<{ id: string }> {
  const p = policyTestInput.safeParse(input);
  if (!p.success) throw new AppError("validation_failed", "The policy test is not valid.", { issues: zodIssues(p.error.issues) });
  return db().$transaction((tx) => addPolicyTestInTx(tx, p.data, ctx));
}

/** addPolicyTest in the caller's transaction (a bundle applies as one), with the input already parsed. */
export async function addPolicyTestInTx(tx: Tx, input: z.infer<typeof policyTestInput>, ctx: Ctx): Promise<{ id: string }> {
  const route = await tx.route.findUnique({ where: { name: input.route } });
  if (!route) throw new AppError("not_found", `No route named ${input.route}.`);
  const t = await tx.policyTest.create({ data: { routeId: route.id, tool: input.tool, expect: input.expect, note: input.note, createdById: ctx.actorId } });
  await appendAudit(tx, {
    type: "policy_test.added",
    ...userActor(ctx),
    route: route.name,
    tool: t.tool,
    data: { id: t.id, expect: t.expect, note: t.note },
  });
  return { id: t.id };
}

/**
 * Ask to remove an expectation. Deleting a test weakens the guard every later
 * change runs against, so it follows the two-admin rule of a widening: this
 * only records the request; the test keeps running until a second admin
 * approves the deletion (approvePolicyTestDeletion).
 */
export async function requestPolicyTestDeletion(id: string, reason: string, ctx: Ctx): Promise<{ status: "pending" }> {
  return db().$transaction((tx) => requestPolicyTestDeletionInTx(tx, id, reason, ctx));
}

/** requestPolicyTestDeletion in the caller's transaction (a bundle applies as one). */
export async function requestPolicyTestDeletionInTx(tx: Tx, id: string, reason: string, ctx: Ctx): Promise<{ status: "pending" }> {
  await requireAdmin(tx, ctx.actorId);
  const t = await tx.policyTest.findUnique({ where: { id } });
  if (!t) throw new AppError("not_found", "No such policy test.");
  const took = await tx.policyTest.updateMany({
    where: { id, deleteRequestedById: null },
    data: { deleteRequestedById: ctx.actorId, deleteRequestedAt: new Date(), deleteReason: reason.trim().slice(0, 1000) },
  });
  if (took.count !== 1) throw new AppError("conflict", "A deletion of this policy test is already waiting for a second admin.");
  const route = await tx.route.findUnique({ where: { id: t.routeId } });
  await appendAudit(tx, {
    type: "policy_test.delete_requested",
    ...userActor(ctx),
    route: route?.name ?? null,
    tool: t.tool,
    status: "pending",
    reason: reason.trim().slice(0, 1000) || null,
    data: { id, expect: t.expect, note: t.note },
  });
  return { status: "pending" };
}

/** A second admin (never the requester, nor someone tied to them by a recent elevation) deletes the test. */
export async function approvePolicyTestDeletion(id: string, ctx: Ctx & { channel?: ApprovalChannel }): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdmin(tx, ctx.actorId);
    const t = await tx.policyTest.findUnique({ where: { id } });
    if (!t) throw new AppError("not_found", "No such policy test.");
    if (!t.deleteRequestedById) throw new AppError("conflict", "Nobody has asked to delete this policy test.");
    await requireSecondPerson(tx, {
      firsts: [t.deleteRequestedById],
      second: ctx.actorId,
      channel: ctx.channel ?? "console",
      sameMessage: "You asked to delete this test; a second admin must approve it.",
    });
    const gone = await tx.policyTest.deleteMany({ where: { id, deleteRequestedById: t.deleteRequestedById } });
    if (gone.count !== 1) throw new AppError("conflict", "This deletion was decided by someone else.");
    const route = await tx.route.findUnique({ where: { id: t.routeId } });
    await appendAudit(tx, {
      type: "policy_test.deleted",
      ...userActor(ctx),
      route: route?.name ?? null,
      tool: t.tool,
      reason: t.deleteReason,
      data: { id, expect: t.expect, note: t.note, requested_by: t.deleteRequestedById },
    });
  });
}

/** Withdraw (the requester) or refuse (another admin) a requested deletion; the test stays. */
export async function cancelPolicyTestDeletion(id: string, ctx: Ctx): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdmin(tx, ctx.actorId);
    const t = await tx.policyTest.findUnique({ where: { id } });
    if (!t) throw new AppError("not_found", "No such policy test.");
    const took = await tx.policyTest.updateMany({
      where: { id, deleteRequestedById: { not: null } },
      data: { deleteRequestedById: null, deleteRequestedAt: null, deleteReason: null },
    });
    if (took.count !== 1) throw new AppError("conflict", "Nobody has asked to delete this policy test.");
    const route = await tx.route.findUnique({ where: { id: t.routeId } });
    await appendAudit(tx, {
      type: "policy_test.delete_cancelled",
      ...userActor(ctx),
      route: route?.name ?? null,
      tool: t.tool,
      data: { id, requested_by: t.deleteRequestedById, withdrawn: t.deleteRequestedById === ctx.actorId },
    });
  });
}
