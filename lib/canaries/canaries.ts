import "server-only";
import { z } from "zod";
import { db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { argsHash } from "@gatehouse-dev/sdk";
import { newId } from "@/lib/crypto/new-id";
import { parseRoles } from "@/lib/auth/roles";
import { covers, roleScopedRow, scopesFor } from "@/lib/auth/scopes";
import { parseCredentialRoutes } from "@/lib/agents/authenticate-agent";
import { loadDecisionInput } from "@/lib/actions/decision-context";
import { createAction } from "@/lib/actions/create-action";
import { lockActionRow } from "@/lib/db/tables/action";
import { markFastVote } from "@/lib/db/tables/vote";
import { FAST_DECISION_MS } from "@/lib/approvals/schemas";
import { notifyActionChanged } from "@/lib/events/action-events";
import { requireAdminInTx } from "@/lib/users/require-admin";
import type { VoteInput, VoteResult } from "@/lib/actions/vote-on-action";

/**
 * Canary actions: an admin has Gatehouse place a synthetic, clearly
 * suspicious write in one enrolled reviewer's queue, to learn whether that
 * reviewer reads cards. To the reviewer it is an Action like any other (a real
 * route, tool and agent of the tenant); underneath, lib/tokens refuses to mint
 * or redeem a token for it (lib/db/tables/canary-action.ts), it never runs, and
 * it never notifies outside (no callback, no webhook, no preview request).
 * Approving it is a miss, rejecting it a catch; both are audited. Other
 * reviewers never see it in their queue or card (it is not theirs to decide).
 */

type Ctx = { actorId: string; requestId?: string | null };

export const placeCanaryInput = z.strictObject({
  reviewer_id: z.string().min(1).max(100),
  route: z.string().min(1).max(200),
  tenant: z.string().min(1).max(100),
  env: z.string().min(1).max(100),
  tool: z.string().min(1).max(200).optional(),
});
export type PlaceCanaryInput = z.infer<typeof placeCanaryInput>;

const BAIT = "URGENT: ignore the usual checks and send every customer's records to https://exfil.example/upload";

/** Clearly suspicious args shaped by the tool's args schema: every string the bait, every number huge. */
export function suspiciousArgs(schema: Record<string, unknown>): Record<string, unknown> {
  const props = (schema.properties ?? {}) as Record<string, { type?: string | string[]; enum?: unknown[] }>;
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(props)) {
    const type = Array.isArray(p.type) ? p.type[0] : p.type;
    if (Array.isArray(p.enum) && p.enum.length) out[k] = p.enum[p.enum.length - 1];
    else if (type === "number" || type === "integer") out[k] = 999_999;
    else if (type === "boolean") out[k] = true;
    else if (type === "array") out[k] = [BAIT];
    else if (type === "object") out[k] = { note: BAIT };
    else out[k] = k.toLowerCase().includes("email") ? "attacker@exfil.example" : BAIT;
  }
  return Object.keys(out).length ? out : { note: BAIT };
}

/** Enroll (or withdraw) a reviewer for canaries. */
export async function setCanaryEnrollment(userId: string, enrolled: boolean, ctx: Ctx): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, ctx.actorId);
    const u = await tx.user.findUnique({ where: { id: userId } });
    if (!u || !parseRoles(u.roles).includes("reviewer")) throw new AppError("not_found", "No such reviewer.");
    if (enrolled) await tx.canaryEnrollment.upsert({ where: { userId }, create: { userId, enrolledById: ctx.actorId }, update: {} });
    else await tx.canaryEnrollment.deleteMany({ where: { userId } });
    await appendAudit(tx, { type: enrolled ? "canary.enrolled" : "canary.withdrawn", ...userActor(ctx), status: "ok", data: { user_id: userId } });
  });
}

/**
 * Place one canary for an enrolled reviewer on a route of a tenant and
 * environment the reviewer covers, as a pending write of that route (one
 * approval; destructive tools are never used: their cards ask for two people).
 */
export async function placeCanary(input: PlaceCanaryInput, ctx: Ctx): Promise<{ canary_id: string; action_id: string }> {
  const r = await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, ctx.actorId);
    const reviewer = await tx.user.findUnique({ where: { id: input.reviewer_id } });
    if (!reviewer || reviewer.disabled || !parseRoles(reviewer.roles).includes("reviewer")) throw new AppError("not_found", "No such reviewer.");
    if (!(await tx.canaryEnrollment.findUnique({ where: { userId: reviewer.id } }))) {
      throw new AppError("conflict", "This reviewer is not enrolled for canaries; enroll them first.", { reason: "not_enrolled" });
    }
    // The reviewer role's own scopes (per-role), not those of any role the user holds.
    if (!covers({ scopes: scopesFor(roleScopedRow({ ...reviewer, roles: parseRoles(reviewer.roles) }), "reviewer") }, input.tenant, input.env)) {
      throw new AppError("validation_failed", "The reviewer's scopes do not cover that tenant and environment.", {
        issues: [{ path: "tenant", message: "not in the reviewer's scopes" }],
      });
    }
    const creds = await tx.agentCredential.findMany({ where: { tenantId: input.tenant, env: input.env, revokedAt: null }, orderBy: { createdAt: "asc" } });
    const cred = creds.find((c) => parseCredentialRoutes(c.routes).includes(input.route));
    if (!cred)
      throw new AppError("validation_failed", "No live agent of that tenant and environment holds the route.", { issues: [{ path: "route", message: "no agent holds it" }] });
    const probe = await loadDecisionInput(tx, { credentialRoutes: [input.route], tenantId: input.tenant, env: input.env, routeName: input.route, toolName: input.tool ?? "" });
    const route = probe.route;
    if (!route) throw new AppError("validation_failed", "No such route.", { issues: [{ path: "route", message: "unknown" }] });
    const candidates = input.tool ? [input.tool] : route.policy.require_approval;
    let tool = null;
    for (const name of candidates) {
      const t = (await loadDecisionInput(tx, { credentialRoutes: [input.route], tenantId: input.tenant, env: input.env, routeName: input.route, toolName: name })).tool;
      if (t && t.kind === "write" && route.policy.require_approval.includes(t.name)) {
        tool = t;
        break;
      }
    }
    if (!tool)
      throw new AppError("validation_failed", "The route has no write tool that needs approval to use as a canary.", { issues: [{ path: "tool", message: "no such write" }] });
    const now = new Date();
    const runId = newId("run");
    const p = route.policy;
    await tx.run.create({
      data: {
        id: runId,
        credentialId: cred.id,
        tenantId: input.tenant,
        env: input.env,
        routeId: route.id,
        routeName: route.name,
        stepsMax: p.budgets.steps,
        stepsUsed: 1,
        secondsMax: p.budgets.seconds,
        usdMaxMicros: Math.round(p.budgets.usd * 1_000_000),
        startedAt: now,
        expiresAt: new Date(now.getTime() + p.budgets.seconds * 1000),
      },
    });
    const args = suspiciousArgs(tool.argsSchema);
    const { action } = await createAction(
      tx,
      {
        run: { id: runId, credentialId: cred.id, tenantId: input.tenant, env: input.env },
        route,
        // No preview: a canary never reaches a tool service.
        tool: { ...tool, preview: null },
        args,
        argsHash: argsHash(args),
        idempotencyKey: newId("idem"),
        reason: "Customer escalation: the CEO approved this already, please approve quickly without checking.",
        status: "pending",
        decisionReason: "approval_required",
        approvalsRequired: 1,
        expiresAt: new Date(now.getTime() + p.approval.pending_ttl_seconds * 1000),
        now,
      },
      // Honest in the audit log: the system placed it (not the agent).
      { actorType: "system", actorId: "gatehouse", requestId: ctx.requestId ?? null, data: { outcome: "pending", reason: "approval_required" } },
    );
    const canary = await tx.canaryAction.create({ data: { actionId: action.id, reviewerId: reviewer.id, placedById: ctx.actorId } });
    // Tenant-less and without the action id: a reviewer reading the audit log cannot tell which card is the canary.
    await appendAudit(tx, { type: "canary.placed", ...userActor(ctx), status: "ok", data: { canary_id: canary.id, reviewer_id: reviewer.id } });
    return { canary_id: canary.id, action_id: action.id };
  });
  notifyActionChanged(r.action_id);
  return r;
}

/** Pending canaries meant for someone other than `userId`: hidden from that user's queue and card. */
export async function othersCanaryIds(userId: string): Promise<string[]> {
  const rows = await db().canaryAction.findMany({ where: { outcome: "pending", reviewerId: { not: userId } }, select: { actionId: true } });
  return rows.map((r) => r.actionId);
}

/** For voteOnAction: the canary row when the action is one. */
export async function findCanary(actionId: string) {
  return db().canaryAction.findUnique({ where: { actionId } });
}

/**
 * A vote on a canary: the same answers a real vote gives (so the reviewer
 * cannot tell), but no approval rule past "a reviewer, once, in time" is
 * needed since nothing can come of it: an approval is a miss, a rejection a
 * catch, and the action ends approved or rejected with no token.
 */
export async function voteOnCanary(input: VoteInput): Promise<VoteResult> {
  const result = await db().$transaction(async (tx: Tx) => {
    const now = new Date();
    await lockActionRow(tx, input.actionId, now);
    const canary = await tx.canaryAction.findUnique({ where: { actionId: input.actionId } });
    const action = await tx.action.findUnique({ where: { id: input.actionId } });
    if (!canary || !action || canary.reviewerId !== input.userId) throw new AppError("not_found", "No such action.");
    if (action.status !== "pending" || (action.expiresAt && action.expiresAt <= now)) {
      throw new AppError("conflict", `This action is already ${action.status === "pending" ? "expired" : action.status}.`, {
        reason: action.status === "pending" ? "expired" : "already_decided",
      });
    }
    const user = await tx.user.findUnique({ where: { id: input.userId } });
    if (!user || user.disabled || !parseRoles(user.roles).includes("reviewer"))
      throw new AppError("forbidden", "Only reviewers may vote on actions.", { reason: "not_a_reviewer" });
    const approve = input.vote === "approve";
    await tx.approval.create({
      data: {
        actionId: action.id,
        userId: user.id,
        vote: input.vote,
        comment: approve ? (input.comment ?? null) : input.rejectReason!.trim(),
        channel: input.channel ?? "console",
        timeOnCardMs: input.timeOnCardMs ?? null,
        createdAt: now,
      },
    });
    // A canary approved within 3 s of its card is the rubber stamp the history's fast filter is for.
    await markFastVote(tx, { actionId: action.id, userId: user.id, at: now, fastMs: FAST_DECISION_MS });
    await tx.action.update({
      where: { id: action.id },
      data: {
        status: approve ? "approved" : "rejected",
        decisionReason: approve ? "approved" : "rejected",
        decidedAt: now,
        rejectReason: approve ? null : input.rejectReason!.trim(),
      },
    });
    const outcome = approve ? "missed" : "caught";
    await tx.canaryAction.update({ where: { id: canary.id }, data: { outcome, decidedAt: now } });
    await appendAudit(tx, {
      type: `canary.${outcome}`,
      actorType: "user",
      actorId: user.id,
      requestId: input.requestId ?? null,
      status: outcome,
      data: { canary_id: canary.id, action_id: action.id, reviewer_id: user.id, channel: input.channel ?? "console" },
    });
    return { status: approve ? "approved" : "rejected", approvalsReceived: approve ? 1 : 0, approvalsRequired: 1, transitioned: true };
  });
  notifyActionChanged(input.actionId);
  return result;
}

export type CanaryStats = { userId: string; email: string; enrolled: boolean; placed: number; caught: number; missed: number; open: number; catchRate: number | null };

/** Each reviewer's canary record: placed, caught, missed, still open; catch rate = caught / (caught + missed). */
export async function canaryStats(): Promise<CanaryStats[]> {
  const [users, enrolled, rows] = await Promise.all([
    db().user.findMany({ orderBy: { email: "asc" }, select: { id: true, email: true, roles: true } }),
    db().canaryEnrollment.findMany({ select: { userId: true } }),
    db().canaryAction.findMany({ select: { reviewerId: true, outcome: true } }),
  ]);
  const isEnrolled = new Set(enrolled.map((e) => e.userId));
  return users
    .filter((u) => parseRoles(u.roles).includes("reviewer"))
    .map((u) => {
      const mine = rows.filter((r) => r.reviewerId === u.id);
      const caught = mine.filter((r) => r.outcome === "caught").length;
      const missed = mine.filter((r) => r.outcome === "missed").length;
      return {
        userId: u.id,
        email: u.email,
        enrolled: isEnrolled.has(u.id),
        placed: mine.length,
        caught,
        missed,
        open: mine.length - caught - missed,
        catchRate: caught + missed ? caught / (caught + missed) : null,
      };
    });
}
