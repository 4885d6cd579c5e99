import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { scopeWhere, type Scoped } from "@/lib/auth/scopes";
import { AppError } from "@/lib/errors";
import type { AuditEvent } from "@/lib/db/types";

export const AUDIT_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_MAX = 200;

const text = z.string().trim().min(1).max(200).optional();
const instant = z.iso.datetime({ offset: true }).optional();

/** The browser's filters; the same object drives the page, the detail links and the export. */
export const auditFilterSchema = z.strictObject({
  tenant: text,
  env: text,
  route: text,
  tool: text,
  actor: text,
  type: text,
  status: text,
  from: instant,
  to: instant,
  request_id: text,
  action_id: text,
  break_glass_session_id: text,
});
export type AuditFilter = z.infer<typeof auditFilterSchema>;

export const AUDIT_FILTER_KEYS = Object.keys(auditFilterSchema.shape) as (keyof AuditFilter)[];

/** One audit event as the console shows it, and as each export line carries it. */
export type AuditView = {
  seq: number;
  at: string;
  request_id: string | null;
  actor_type: string;
  actor_id: string | null;
  type: string;
  tenant: string | null;
  env: string | null;
  route: string | null;
  tool: string | null;
  args_hash: string | null;
  idempotency_key: string | null;
  credential_scope: string | null;
  action_id: string | null;
  run_id: string | null;
  approval_ids: string[];
  break_glass_session_id: string | null;
  status: string | null;
  reason: string | null;
  duration_ms: number | null;
  jti: string | null;
  data: unknown;
  prev_hash: string;
  hash: string;
};

/** Stored row → console/export shape (JSON columns parsed; nothing else changed). */
export function toAuditView(r: AuditEvent): AuditView {
  return {
    seq: Number(r.seq),
    at: r.at.toISOString(),
    request_id: r.requestId,
    actor_type: r.actorType,
    actor_id: r.actorId,
    type: r.type,
    tenant: r.tenantId,
    env: r.env,
    route: r.route,
    tool: r.tool,
    args_hash: r.argsHash,
    idempotency_key: r.idempotencyKey,
    credential_scope: r.credentialScope,
    action_id: r.actionId,
    run_id: r.runId,
    approval_ids: parseList(r.approvalIds),
    break_glass_session_id: r.breakGlassSessionId,
    status: r.status,
    reason: r.reason,
    duration_ms: r.durationMs,
    jti: r.jti,
    data: parseData(r.data),
    prev_hash: r.prevHash,
    hash: r.hash,
  };
}

function parseList(s: string | null): string[] {
  if (!s) return [];
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}

function parseData(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** Read the filter (and paging) from a query string; unknown parameters are refused, not ignored. */
export function parseAuditQuery(params: URLSearchParams): { filter: AuditFilter; before?: number; limit: number } {
  const raw: Record<string, string> = {};
  let before: number | undefined;
  let limit = AUDIT_PAGE_DEFAULT;
  for (const [k, v] of params) {
    if (v === "") continue;
    if (k === "before") before = positiveInt(k, v);
    else if (k === "limit") limit = Math.min(positiveInt(k, v), AUDIT_PAGE_MAX);
    else if (k === "format") continue;
    else raw[k] = v;
  }
  const parsed = auditFilterSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError("validation_failed", "Invalid audit filter.", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join(".") || "query", message: i.message })),
    });
  }
  return { filter: parsed.data, before, limit };
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new AppError("validation_failed", `${name} must be a positive whole number.`, { issues: [{ path: name, message: "positive integer" }] });
  return n;
}

/** Sequence bounds that narrow a time-range scan; see timeWindow. */
export type SeqWindow = { gte?: number; lte?: number };

/**
 * Clock skew tolerated between instances that append to one log. Appends
 * take the head lock, so `at` follows `seq` on one instance; across
 * instances it may lag by the skew, and the window below is widened by it.
 */
const SKEW_MS = 5 * 60_000;

/**
 * Turn a time range into a sequence range with two index seeks on `at`, so
 * the page is a short walk down the seq index instead of a scan from the
 * newest row back to the range. The `at` condition itself stays in the
 * query: the window only narrows, it never decides.
 */
export async function timeWindow(filter: AuditFilter): Promise<SeqWindow> {
  const w: SeqWindow = {};
  if (filter.from) {
    // scope-guard: a sequence-number bound only; the page query applies scopeWhere
    const first = await db().auditEvent.findFirst({ where: { at: { gte: new Date(Date.parse(filter.from) - SKEW_MS) } }, orderBy: { at: "asc" }, select: { seq: true } });
    w.gte = first ? Number(first.seq) : Number.MAX_SAFE_INTEGER;
  }
  if (filter.to) {
    // scope-guard: a sequence-number bound only; the page query applies scopeWhere
    const last = await db().auditEvent.findFirst({ where: { at: { lte: new Date(Date.parse(filter.to) + SKEW_MS) } }, orderBy: { at: "desc" }, select: { seq: true } });
    w.lte = last ? Number(last.seq) : 0;
  }
  return w;
}

/**
 * The Prisma where for a filter. Every condition is an equality or range on
 * an indexed column, and `before` is the keyset cursor: the page is
 * `seq < before ORDER BY seq DESC`, which an index on (column, seq) serves
 * without an offset scan however deep the page. Always narrowed to the
 * viewer's scopes (scopeWhere; an event without a tenant is for unrestricted users only).
 */
export function auditWhere(filter: AuditFilter, viewer: Scoped, before?: number, window: SeqWindow = {}) {
  const at = filter.from || filter.to ? { ...(filter.from ? { gte: new Date(filter.from) } : {}), ...(filter.to ? { lte: new Date(filter.to) } : {}) } : undefined;
  const seq = { ...(before !== undefined ? { lt: before } : {}), ...window };
  // Spread only what is set: an `undefined` in a Prisma where would match everything.
  // The scope is its own AND member (as in actionWhere): a `tenant` filter never replaces a viewer's "nothing".
  return {
    AND: [scopeWhere(viewer)],
    ...(Object.keys(seq).length ? { seq } : {}),
    ...(filter.tenant ? { tenantId: filter.tenant } : {}),
    ...(filter.env ? { env: filter.env } : {}),
    ...(filter.route ? { route: filter.route } : {}),
    ...(filter.tool ? { tool: filter.tool } : {}),
    ...(filter.actor ? { actorId: filter.actor } : {}),
    ...(filter.type ? { type: filter.type } : {}),
    ...(filter.status ? { status: filter.status } : {}),
    ...(filter.request_id ? { requestId: filter.request_id } : {}),
    ...(filter.action_id ? { actionId: filter.action_id } : {}),
    ...(filter.break_glass_session_id ? { breakGlassSessionId: filter.break_glass_session_id } : {}),
    ...(at ? { at } : {}),
  };
}

export type AuditPage = { rows: AuditView[]; next_before: number | null };

/** One page of the filtered log, newest first; `next_before` is the cursor for the next page. */
export async function queryAuditPage(filter: AuditFilter, viewer: Scoped, opts: { before?: number; limit?: number } = {}): Promise<AuditPage> {
  const limit = Math.min(Math.max(opts.limit ?? AUDIT_PAGE_DEFAULT, 1), AUDIT_PAGE_MAX);
  const window = await timeWindow(filter);
  const rows = await db().auditEvent.findMany({ where: auditWhere(filter, viewer, opts.before, window), orderBy: { seq: "desc" }, take: limit + 1 });
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { rows: page.map(toAuditView), next_before: more ? Number(page[page.length - 1]!.seq) : null };
}

/** One event by sequence number, or null (also when outside the viewer's scopes: the same 404). */
export async function getAuditEvent(seq: number, viewer: Scoped): Promise<AuditView | null> {
  const row = await db().auditEvent.findFirst({ where: { AND: [{ seq }, scopeWhere(viewer)] } });
  return row ? toAuditView(row) : null;
}
