import "server-only";
import { z } from "zod";
import { canonicalJson } from "@gatehouse-dev/sdk";
import { db, type Tx } from "@/lib/db/client";
import { AppError } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { parseToolEntry } from "@/lib/catalog/tool-schema";
import { parsePolicy } from "@/lib/policy/policy-schema";
import { requireAdminInTx } from "@/lib/users/require-admin";
import { requireSecondPerson, type ApprovalChannel } from "@/lib/users/two-person";
import type { ToolEntry, ToolKind } from "@/lib/policy/types";
import { displaySpecSchema, displaySpecWidening, type DisplaySpec } from "@/lib/catalog/display-spec";

/**
 * Catalog edits. Making a tool less strict (destructive → write → read) is a
 * widening, like a policy widening: it needs a second admin. So is what can
 * blind reviewers: a display spec that masks or hides a field, and adding or
 * changing a preview endpoint (what the card shows as the tool service's
 * word, and where Gatehouse sends requests). Showing more, or removing a
 * preview endpoint, applies at once. The schema has
 * no table for pending tool changes, so the request is an audit event
 * ("tool.change_requested", the proposed entry in its data) and its
 * resolution is another ("tool.change_approved" / "tool.change_rejected"
 * naming request_seq). The hash-chained log is append-only, so a request can
 * neither be edited nor silently dropped.
 */

const STRICTNESS: Record<ToolKind, number> = { read: 0, write: 1, destructive: 2 };

export type SaveToolResult = { status: "saved" } | { status: "pending"; requestSeq: number; widening: string[] };

export type PendingToolChange = {
  requestSeq: number;
  at: string;
  requestedBy: string | null;
  /** The requester's e-mail for display (null when that user was deleted). */
  requestedByEmail: string | null;
  tool: string;
  widening: string[];
  entry: ToolEntry;
};

const requestData = z.object({
  entry: z.unknown(),
  widening: z.array(z.string()),
  base_kind: z.string().nullable(),
  base_review: z.string().optional(),
  /** The whole row when requested (rowFingerprint): an approval never writes back fields someone changed since. */
  base_row: z.string().optional(),
});

/** A catalog entry as the Tool row's columns (the seed writes rows the same way). */
export function toolRowData(entry: ToolEntry) {
  return {
    kind: entry.kind,
    description: entry.description,
    argsSchema: JSON.stringify(entry.argsSchema),
    summaryTemplate: entry.summaryTemplate,
    blastRadius: JSON.stringify(entry.blastRadius),
    undo: JSON.stringify(entry.undo),
    displaySpec: entry.displaySpec ? JSON.stringify(entry.displaySpec) : null,
    previewUrl: entry.preview?.url ?? null,
    previewAllowPrivate: entry.preview?.allowPrivate ?? false,
  };
}

type ReviewColumns = { kind: string; displaySpec: string | null; previewUrl: string | null; previewAllowPrivate: boolean };

type RowColumns = ReviewColumns & { description: string; argsSchema: string; summaryTemplate: string; blastRadius: string; undo: string };

/** Every column an entry writes, canonical: what a pending change is bound to (a row changed since cannot be approved back). */
function rowFingerprint(row: RowColumns | null): string {
  if (!row) return "";
  const parsed = (text: string | null) => {
    try {
      return text === null ? null : (JSON.parse(text) as unknown);
    } catch {
      return text;
    }
  };
  return canonicalJson([
    row.kind,
    row.description,
    parsed(row.argsSchema),
    row.summaryTemplate,
    parsed(row.blastRadius),
    parsed(row.undo),
    parsed(row.displaySpec),
    row.previewUrl,
    row.previewAllowPrivate,
  ]);
}

/** What a pending change is bound to besides the kind: the row's display spec and preview endpoint when it was requested. */
function reviewFingerprint(row: ReviewColumns | null): string {
  return row ? JSON.stringify([row.displaySpec, row.previewUrl, row.previewAllowPrivate]) : "";
}

function storedSpec(text: string | null): DisplaySpec | null {
  if (!text) return null;
  try {
    const r = displaySpecSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** Routes whose active policy already grants `name` (allow or require_approval). */
async function routesGranting(tx: Tx, name: string): Promise<string[]> {
  const routes = await tx.route.findMany();
  const out: string[] = [];
  for (const r of routes) {
    const v = await tx.policyVersion.findUnique({ where: { routeId_version: { routeId: r.id, version: r.activeVersion } } });
    if (!v) continue;
    try {
      const p = parsePolicy(v.policy);
      if (p.allow_tools.includes(name) || p.require_approval.includes(name)) out.push(r.name);
    } catch {
      // an unreadable policy grants nothing
    }
  }
  return out;
}

/** What reviewers would lose: fields masked or hidden, a preview endpoint added or changed. */
function reviewWidening(existing: ReviewColumns | null, entry: ToolEntry): string[] {
  const out = displaySpecWidening(entry.argsSchema, storedSpec(existing?.displaySpec ?? null), entry.displaySpec).map((m) => `${entry.name}: ${m}`);
  const before = existing?.previewUrl ? { url: existing.previewUrl, allowPrivate: existing.previewAllowPrivate } : null;
  const after = entry.preview ?? null;
  if (after && (!before || before.url !== after.url || (after.allowPrivate && !before.allowPrivate))) {
    out.push(`${entry.name}: ${before ? "changes" : "adds"} the preview endpoint (${after.url}${after.allowPrivate ? ", private address allowed" : ""}).`);
  }
  return out;
}

/**
 * What reviewers read on the card (the headline's template, the description, the blast radius, the undo) and what an
 * agent may pass (the argument schema): a change to any of them can weaken review ("reversible", "one record") or
 * widen what the tool reaches (a pattern dropped), and which way a text edit goes is not decidable here, so every
 * change to them takes a second admin. Stricter kinds, unmasked fields and a removed preview still apply at once.
 */
function readWidening(existing: RowColumns, entry: ToolEntry): string[] {
  const same = (text: string, v: unknown) => {
    try {
      return canonicalJson(JSON.parse(text)) === canonicalJson(v);
    } catch {
      return false;
    }
  };
  const out: string[] = [];
  if (existing.summaryTemplate !== entry.summaryTemplate) out.push(`${entry.name}: changes the card's summary ("${existing.summaryTemplate}" → "${entry.summaryTemplate}").`);
  if (existing.description !== entry.description) out.push(`${entry.name}: changes the description reviewers and agents read.`);
  if (!same(existing.blastRadius, entry.blastRadius)) out.push(`${entry.name}: changes the blast radius reviewers are shown.`);
  if (!same(existing.undo, entry.undo)) out.push(`${entry.name}: changes what reviewers are told about undoing it.`);
  if (!same(existing.argsSchema, entry.argsSchema)) out.push(`${entry.name}: changes the argument schema (what an agent may pass).`);
  return out;
}

async function wideningOf(tx: Tx, existing: RowColumns | null, entry: ToolEntry): Promise<string[]> {
  const review = reviewWidening(existing, entry);
  if (existing) {
    const before = STRICTNESS[existing.kind as ToolKind];
    const reads = readWidening(existing, entry);
    if (before === undefined || STRICTNESS[entry.kind] < before) return [`Makes ${entry.name} less strict: ${existing.kind} → ${entry.kind}.`, ...review, ...reads];
    return [...review, ...reads];
  }
  // A policy may name a tool the catalog does not know yet (flagged, denied as unknown); adding it turns that grant on.
  const granting = await routesGranting(tx, entry.name);
  return [...(granting.length ? [`Adds ${entry.name}, which ${granting.join(", ")} already grant(s).`] : []), ...review];
}

async function write(tx: Tx, entry: ToolEntry, create: boolean): Promise<void> {
  if (create) await tx.tool.create({ data: { name: entry.name, ...toolRowData(entry) } });
  else await tx.tool.update({ where: { name: entry.name }, data: toolRowData(entry) });
}

/**
 * Create (`mode: "create"`) or update a catalog entry. A widening is not
 * applied: it is recorded as a pending request for a second admin.
 */
export async function saveTool(input: { entry: unknown; mode: "create" | "update"; actorId: string; requestId?: string | null }): Promise<SaveToolResult> {
  const entry = parseToolEntry(input.entry);
  return db().$transaction(async (tx) => {
    await requireAdminInTx(tx, input.actorId);
    const existing = await tx.tool.findUnique({ where: { name: entry.name } });
    if (input.mode === "create" && existing) throw new AppError("conflict", `A tool named ${entry.name} already exists.`);
    if (input.mode === "update" && !existing) throw new AppError("not_found", `No tool named ${entry.name}.`);
    await assertUpstreamPinned(tx, entry);
    const widening = await wideningOf(tx, existing, entry);
    const audit = { actorType: "user" as const, actorId: input.actorId, requestId: input.requestId ?? null, tool: entry.name };
    if (widening.length) {
      const [seq] = await appendAudit(tx, {
        ...audit,
        type: "tool.change_requested",
        status: "pending",
        reason: widening.join(" "),
        data: { entry, widening, base_kind: existing?.kind ?? null, base_review: reviewFingerprint(existing), base_row: rowFingerprint(existing) },
      });
      return { status: "pending", requestSeq: seq!, widening };
    }
    await write(tx, entry, !existing);
    await appendAudit(tx, { ...audit, type: existing ? "tool.updated" : "tool.created", status: "saved", data: { entry, previous_kind: existing?.kind ?? null } });
    return { status: "saved" };
  });
}

/**
 * A tool served from an MCP upstream keeps the description and input schema
 * two admins approved from the upstream, pinned by hash (lib/mcp/upstreams):
 * the catalog edits the rest (kind, summary, blast radius, undo, display
 * spec, preview) under its own rules, but never those two — that would serve
 * agents text no pin covers. They change at the upstream, then are re-approved.
 */
async function assertUpstreamPinned(tx: Tx, entry: ToolEntry): Promise<void> {
  const mcp = await tx.mcpUpstreamTool.findUnique({ where: { toolName: entry.name } });
  if (!mcp) return;
  const same =
    mcp.approvedHash !== null && entry.description === mcp.approvedDescription && canonicalJson(entry.argsSchema) === canonicalJson(JSON.parse(mcp.approvedSchema ?? "null"));
  if (!same) {
    throw new AppError(
      "conflict",
      `${entry.name} is served from an MCP upstream: its description and input schema are the upstream's, pinned when two admins approved them. Change them at the upstream and re-approve on the MCP upstreams page.`,
    );
  }
}

async function loadRequest(tx: Tx, seq: number) {
  const ev = await tx.auditEvent.findUnique({ where: { seq } });
  if (!ev || ev.type !== "tool.change_requested" || !ev.tool) throw new AppError("not_found", "No such pending tool change.");
  const resolved = await tx.auditEvent.findMany({ where: { tool: ev.tool, type: { in: ["tool.change_approved", "tool.change_rejected"] }, seq: { gt: seq } } });
  if (resolved.some((r) => (JSON.parse(r.data) as { request_seq?: number }).request_seq === seq)) {
    throw new AppError("conflict", "This tool change was already decided.");
  }
  const data = requestData.parse(JSON.parse(ev.data));
  return { ev, tool: ev.tool, data, entry: parseToolEntry(data.entry) };
}

/**
 * A second admin (never the requester, nor someone tied to them by a recent
 * elevation: requireSecondPerson) applies a pending tool change. If the
 * catalog entry changed at all since the request (any column), it is refused:
 * propose again — an approval never writes back what someone changed since.
 */
export async function approveToolChange(input: { requestSeq: number; actorId: string; requestId?: string | null; channel?: ApprovalChannel }): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, input.actorId);
    const { ev, entry, data } = await loadRequest(tx, input.requestSeq);
    await requireSecondPerson(tx, {
      firsts: ev.actorId ? [ev.actorId] : [],
      second: input.actorId,
      channel: input.channel ?? "console",
      sameMessage: "You requested this change; a second admin must approve it.",
    });
    const existing = await tx.tool.findUnique({ where: { name: entry.name } });
    if (
      (existing?.kind ?? null) !== data.base_kind ||
      (data.base_review !== undefined && reviewFingerprint(existing) !== data.base_review) ||
      (data.base_row !== undefined && rowFingerprint(existing) !== data.base_row)
    ) {
      throw new AppError("conflict", "The tool changed since this request; propose the change again.");
    }
    await assertUpstreamPinned(tx, entry);
    await write(tx, entry, !existing);
    await appendAudit(tx, {
      type: "tool.change_approved",
      ...userActor(input),

      tool: entry.name,
      status: "saved",
      data: { request_seq: input.requestSeq, requested_by: ev.actorId, widening: data.widening, entry },
    });
  });
}

/** Reject (or withdraw) a pending tool change; the catalog is untouched. */
export async function rejectToolChange(input: { requestSeq: number; actorId: string; requestId?: string | null }): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, input.actorId);
    const { ev, tool } = await loadRequest(tx, input.requestSeq);
    await appendAudit(tx, {
      type: "tool.change_rejected",
      ...userActor(input),

      tool,
      status: "rejected",
      data: { request_seq: input.requestSeq, requested_by: ev.actorId },
    });
  });
}

/** Tool change requests that no admin has decided yet, oldest first. */
export async function listPendingToolChanges(): Promise<PendingToolChange[]> {
  const [requests, resolutions] = await Promise.all([
    db().auditEvent.findMany({ where: { type: "tool.change_requested" }, orderBy: { seq: "asc" } }),
    db().auditEvent.findMany({ where: { type: { in: ["tool.change_approved", "tool.change_rejected"] } }, select: { data: true } }),
  ]);
  const done = new Set(resolutions.map((r) => (JSON.parse(r.data) as { request_seq?: number }).request_seq));
  const open = requests.filter((ev) => !done.has(Number(ev.seq)));
  const requesterIds = [...new Set(open.flatMap((ev) => (ev.actorId ? [ev.actorId] : [])))];
  const requesters = await db().user.findMany({ where: { id: { in: requesterIds } }, select: { id: true, email: true } });
  const emailOf = new Map(requesters.map((u) => [u.id, u.email]));
  const out: PendingToolChange[] = [];
  for (const ev of open) {
    if (!ev.tool) continue;
    const parsed = requestData.safeParse(JSON.parse(ev.data));
    if (!parsed.success) continue;
    try {
      out.push({
        requestSeq: Number(ev.seq),
        at: ev.at.toISOString(),
        requestedBy: ev.actorId,
        requestedByEmail: (ev.actorId && emailOf.get(ev.actorId)) || null,
        tool: ev.tool,
        widening: parsed.data.widening,
        entry: parseToolEntry(parsed.data.entry),
      });
    } catch {
      // a request whose entry no longer validates cannot be applied; it stays in the log
    }
  }
  return out;
}

/** Remove a tool from the catalog: a narrowing (an unknown tool is always denied), so it applies at once. */
export async function deleteTool(input: { name: string; actorId: string; requestId?: string | null }): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, input.actorId);
    const existing = await tx.tool.findUnique({ where: { name: input.name } });
    if (!existing) throw new AppError("not_found", `No tool named ${input.name}.`);
    await tx.tool.delete({ where: { name: input.name } });
    await appendAudit(tx, {
      type: "tool.deleted",
      ...userActor(input),

      tool: input.name,
      status: "deleted",
      data: { kind: existing.kind },
    });
  });
}
