import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError, zodIssues } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { EXPECTATION_KINDS } from "@/lib/policy/expectations";

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
  return db().$transaction(async (tx) => {
    const route = await tx.route.findUnique({ where: { name: p.data.route } });
    if (!route) throw new AppError("not_found", `No route named ${p.data.route}.`);
    const t = await tx.policyTest.create({ data: { routeId: route.id, tool: p.data.tool, expect: p.data.expect, note: p.data.note, createdById: ctx.actorId } });
    await appendAudit(tx, {
      type: "policy_test.added",
      ...userActor(ctx),

      route: route.name,
      tool: t.tool,
      data: { id: t.id, expect: t.expect, note: t.note },
    });
    return { id: t.id };
  });
}

/** Remove an expectation; audited, since dropping a test can let a later change through. */
export async function deletePolicyTest(id: string, ctx: Ctx): Promise<void> {
  await db().$transaction(async (tx) => {
    const t = await tx.policyTest.findUnique({ where: { id } });
    if (!t) throw new AppError("not_found", "No such policy test.");
    const route = await tx.route.findUnique({ where: { id: t.routeId } });
    await tx.policyTest.delete({ where: { id } });
    await appendAudit(tx, {
      type: "policy_test.deleted",
      ...userActor(ctx),

      route: route?.name ?? null,
      tool: t.tool,
      data: { id, expect: t.expect, note: t.note },
    });
  });
}
