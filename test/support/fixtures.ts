import { db } from "@/lib/db/client";
import { hashPassword } from "@/lib/auth/password";
import { seal } from "@/lib/crypto/seal";
import { resetEnvForTests } from "@/lib/env";

/** A console user with the given roles; returns its id. */
export async function makeUser(email: string, roles: string[], password = "pw-" + email): Promise<string> {
  const u = await db().user.create({ data: { email, name: email.split("@")[0]!, roles: roles.join(","), passwordHash: await hashPassword(password) } });
  return u.id;
}

/**
 * The data of an Action row written straight to the table (tests of reads over many rows: charts, figures, sweeps):
 * a pending acme/prod ticket.close on support/send unless `over` says otherwise.
 */
export function actionRow(id: string, over: Record<string, unknown> = {}) {
  return {
    id,
    runId: "run_x",
    credentialId: "cred_x",
    tenantId: "acme",
    env: "prod",
    routeId: "route_x",
    routeName: "support/send",
    policyVersion: 1,
    tool: "ticket.close",
    toolKind: "write",
    argsHash: "h",
    argsDisplay: "{}",
    summary: "s",
    idempotencyKey: id,
    status: "pending",
    decisionReason: "approval_required",
    approvalsRequired: 1,
    ...over,
  };
}

/** A route with a policy written directly (tests of budgets and re-evaluation). */
export async function makeRoute(name: string, policy: Record<string, unknown>): Promise<string> {
  const full = {
    allow_tools: [],
    deny_tools: [],
    require_approval: [],
    auto_approve: [],
    budgets: { steps: 25, seconds: 3600, usd: 5 },
    audit: { enabled: true },
    approval: { write_approvals: 1, pending_ttl_seconds: 900, escalate_after_seconds: 300, reads_require_approval: false },
    ...policy,
  };
  const r = await db().route.create({ data: { name, activeVersion: 1 } });
  await db().policyVersion.create({ data: { routeId: r.id, version: 1, policy: JSON.stringify(full), status: "active", reason: "test" } });
  return r.id;
}

/** Replace a route's active policy (as an admin's narrowing would). */
export async function setPolicy(name: string, patch: (p: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const r = await db().route.findUniqueOrThrow({ where: { name } });
  const cur = await db().policyVersion.findUniqueOrThrow({ where: { routeId_version: { routeId: r.id, version: r.activeVersion } } });
  const next = patch(JSON.parse(cur.policy));
  await db().policyVersion.update({ where: { id: cur.id }, data: { status: "superseded" } });
  await db().policyVersion.create({ data: { routeId: r.id, version: r.activeVersion + 1, policy: JSON.stringify(next), status: "active", reason: "test" } });
  await db().route.update({ where: { id: r.id }, data: { activeVersion: r.activeVersion + 1 } });
}

/** Notifications on (SMTP at `smtpUrl`, card links on a fixed console URL) with every existing user disabled: only the users a test makes are told. */
export async function notificationsOn(smtpUrl: string): Promise<void> {
  process.env.GATEHOUSE_SMTP_URL = smtpUrl;
  process.env.GATEHOUSE_URL = "https://gatehouse.example.test";
  resetEnvForTests();
  await db().user.updateMany({ data: { disabled: true } });
}

/** Undo notificationsOn's settings. */
export function notificationsOff(): void {
  delete process.env.GATEHOUSE_SMTP_URL;
  delete process.env.GATEHOUSE_URL;
  resetEnvForTests();
}

export { seal };
