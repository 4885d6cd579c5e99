import "server-only";
import { z } from "zod";
import { db, type Tx } from "@/lib/db/client";
import { tenantWhere, type Scoped } from "@/lib/auth/scopes";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { enqueueWebhookEvent } from "@/lib/webhooks/enqueue";
import { killSwitchKeys } from "@/lib/actions/decision-context";

/** Shared by the admin console and break-glass: one shape, one validation. */
export const setKillSwitchInput = z
  .strictObject({
    scope: z.enum(["tenant", "tool"]),
    tenantId: z.string().trim().min(1).max(100).nullable().optional(),
    tool: z.string().trim().min(1).max(200).nullable().optional(),
    enabled: z.boolean(),
    reason: z.string().trim().min(1, "A reason is required.").max(500),
  })
  .superRefine((v, ctx) => {
    if (v.scope === "tenant" && !v.tenantId) ctx.addIssue({ code: "custom", path: ["tenantId"], message: "A tenant kill switch needs a tenant." });
    if (v.scope === "tool" && !v.tool) ctx.addIssue({ code: "custom", path: ["tool"], message: "A tool kill switch needs a tool." });
  });

export type SetKillSwitchInput = z.infer<typeof setKillSwitchInput> & {
  actorId: string;
  breakGlassSessionId?: string | null;
  requestId?: string | null;
};

export type KillSwitchView = {
  key: string;
  scope: string;
  tenantId: string | null;
  tool: string | null;
  enabled: boolean;
  reason: string;
  actorId: string | null;
  updatedAt: string;
};

/** `tenant:<id>`, `tool:<tenant>:<tool>` or `tool:*:<tool>` (no tenant = every tenant). */
export function killSwitchKey(scope: "tenant" | "tool", tenantId: string | null | undefined, tool: string | null | undefined): string {
  return scope === "tenant" ? killSwitchKeys.tenant(tenantId!) : killSwitchKeys.tool(tenantId || "*", tool!);
}

/**
 * Flip one kill switch inside the caller's transaction: the row, its audit
 * event and the `kill_switch.changed` webhook commit together. Authorization
 * (admin, or on-call with an open break-glass session) is the caller's job.
 */
export async function setKillSwitchTx(tx: Tx, input: SetKillSwitchInput): Promise<KillSwitchView> {
  const parsed = setKillSwitchInput.safeParse({ scope: input.scope, tenantId: input.tenantId, tool: input.tool, enabled: input.enabled, reason: input.reason });
  if (!parsed.success) {
    throw new AppError("validation_failed", "Invalid kill switch.", { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) });
  }
  const v = parsed.data;
  const tenantId = v.tenantId ?? null;
  const tool = v.scope === "tool" ? (v.tool ?? null) : null;
  const key = killSwitchKey(v.scope, tenantId, tool);
  const row = await tx.killSwitch.upsert({
    where: { key },
    create: { key, scope: v.scope, tenantId, tool, enabled: v.enabled, reason: v.reason, actorId: input.actorId },
    update: { enabled: v.enabled, reason: v.reason, actorId: input.actorId },
  });
  await appendAudit(tx, {
    type: "kill_switch.changed",
    ...userActor(input),

    tenantId,
    tool,
    breakGlassSessionId: input.breakGlassSessionId ?? null,
    status: v.enabled ? "enabled" : "disabled",
    reason: v.reason,
    data: { key, scope: v.scope },
  });
  await enqueueWebhookEvent(tx, "kill_switch.changed", {
    key,
    scope: v.scope,
    tenant: tenantId,
    tool,
    enabled: v.enabled,
    reason: v.reason,
    break_glass_session_id: input.breakGlassSessionId ?? null,
  });
  return toView(row);
}

/** setKillSwitchTx in its own transaction. */
export async function setKillSwitch(input: SetKillSwitchInput): Promise<KillSwitchView> {
  return db().$transaction((tx) => setKillSwitchTx(tx, input));
}

/** Every kill switch row for a tenant the viewer touches (a global one: unrestricted viewers only), on ones first. */
export async function listKillSwitches(viewer: Scoped): Promise<KillSwitchView[]> {
  const rows = await db().killSwitch.findMany({ where: tenantWhere(viewer), orderBy: [{ enabled: "desc" }, { key: "asc" }] });
  return rows.map(toView);
}

function toView(r: {
  key: string;
  scope: string;
  tenantId: string | null;
  tool: string | null;
  enabled: boolean;
  reason: string;
  actorId: string | null;
  updatedAt: Date;
}): KillSwitchView {
  return { key: r.key, scope: r.scope, tenantId: r.tenantId, tool: r.tool, enabled: r.enabled, reason: r.reason, actorId: r.actorId, updatedAt: r.updatedAt.toISOString() };
}
