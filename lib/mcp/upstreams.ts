import "server-only";
import { z } from "zod";
import { db, type Tx } from "@/lib/db/client";
import type { McpUpstream, McpUpstreamTool } from "@/lib/db/types";
import { AppError, zodIssues } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { requireAdminInTx } from "@/lib/users/require-admin";
import { requireSecondPerson, type ApprovalChannel } from "@/lib/users/two-person";
import { parseToolEntry } from "@/lib/catalog/tool-schema";
import { newId } from "@/lib/crypto/new-id";
import { seal, unseal } from "@/lib/crypto/seal";
import { toolPin } from "@/lib/mcp/pin";
import { credentialEnv, credentialEnvName, stdioCommand } from "@/lib/mcp/stdio-config";
import { listUpstreamTools, type UpstreamTarget } from "@/lib/mcp/upstream-client";
import { TOOL_KINDS, type ToolKind } from "@/lib/policy/types";
import { TOOL_NAME_PATTERN } from "@/lib/policy/policy-schema";

/**
 * Upstream MCP servers as catalog sources (issue 20). Every widening —
 * registering an upstream, classifying or reclassifying one of its tools,
 * re-approving a tool whose upstream changed, turning off result redaction —
 * is a request (audit event `mcp.change_requested`) that a second admin
 * applies (`mcp.change_approved`), like catalog widenings (save-tool.ts).
 * Narrowings (disabling an upstream, redaction back on) apply at once.
 */

export const UPSTREAM_NAME = /^[a-z][a-z0-9_]{0,39}$/;

const registerChange = z.strictObject({
  op: z.literal("register"),
  name: z.string().regex(UPSTREAM_NAME, "a lower-case letter, then lower-case letters, digits and _ (at most 40)"),
  transport: z.enum(["http", "stdio"]),
  url: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), "http(s) only")
    // The URL is stored and audited in plain text: a secret belongs in the sealed, per-tenant credential.
    .refine((u) => !/^https?:\/\/[^/?#]*@/.test(u), "no user or password in the URL: set them as the upstream's credential")
    .optional(),
  stdio_command: z.string().min(1).max(63).optional(),
  max_concurrent: z.number().int().min(1).max(256).optional(),
  timeout_ms: z.number().int().min(100).max(120_000).optional(),
});
const classifyChange = z.strictObject({
  op: z.literal("classify"),
  tool: z.string().min(1).max(200),
  /** The pin the admin saw; approval is refused if the upstream changed since. */
  pin: z.string().length(64),
  kind: z.enum(TOOL_KINDS),
  summary_template: z.string().min(1).max(500),
  blast_radius: z.unknown(),
  undo: z.unknown(),
  idempotent: z.boolean().default(false),
});
const reapproveChange = z.strictObject({ op: z.literal("reapprove"), tool: z.string().min(1).max(200), pin: z.string().length(64) });
const redactionOffChange = z.strictObject({ op: z.literal("redaction_off"), tool: z.string().min(1).max(200) });
/** A disabled upstream served again (a widening: its approved tools come back). */
const enableChange = z.strictObject({ op: z.literal("enable"), upstream: z.string().regex(UPSTREAM_NAME) });
export const mcpChange = z.discriminatedUnion("op", [registerChange, classifyChange, reapproveChange, redactionOffChange, enableChange]);
export type McpChange = z.infer<typeof mcpChange>;

type Actor = { actorId: string; requestId?: string | null };

/** The catalog tool a change is about (the audit row's `tool`); null for a change about a whole upstream. */
const toolOf = (c: McpChange): string | null => (c.op === "register" || c.op === "enable" ? null : c.tool);

function parseChange(input: unknown): McpChange {
  const r = mcpChange.safeParse(input);
  if (!r.success) throw new AppError("validation_failed", "Invalid MCP upstream change.", { issues: zodIssues(r.error.issues) });
  return r.data;
}

/** Checks a change can apply now (also re-run when a second admin applies it). */
async function check(tx: Tx, c: McpChange): Promise<void> {
  if (c.op === "register") {
    if (c.transport === "http" && !c.url) throw new AppError("validation_failed", "An http upstream needs a URL.", { issues: [{ path: "url", message: "required" }] });
    if (c.transport === "stdio" && (!c.stdio_command || !stdioCommand(c.stdio_command))) {
      throw new AppError("validation_failed", "A stdio upstream names a command from the server's configuration (GATEHOUSE_MCP_STDIO).", {
        issues: [{ path: "stdio_command", message: "not a configured stdio command" }],
      });
    }
    if (await tx.mcpUpstream.findUnique({ where: { name: c.name } })) throw new AppError("conflict", `An upstream named ${c.name} already exists.`);
    const clash = await tx.tool.findFirst({ where: { name: { startsWith: `${c.name}.` } } });
    if (clash) throw new AppError("conflict", `The name ${c.name} collides with the catalog tool ${clash.name}.`);
    return;
  }
  if (c.op === "enable") {
    const u = await tx.mcpUpstream.findUnique({ where: { name: c.upstream } });
    if (!u) throw new AppError("not_found", `No upstream named ${c.upstream}.`);
    if (u.status !== "disabled") throw new AppError("conflict", `The upstream ${c.upstream} is not disabled.`);
    return;
  }
  const t = await tx.mcpUpstreamTool.findUnique({ where: { toolName: c.tool } });
  if (!t) throw new AppError("not_found", `No upstream tool named ${c.tool}.`);
  if (c.op === "classify" || c.op === "reapprove") {
    if (t.observedHash !== c.pin) throw new AppError("conflict", `The upstream changed ${c.tool} since this was requested; review it again.`);
  }
  if (c.op === "classify") {
    const native = await tx.tool.findUnique({ where: { name: c.tool } });
    if (native && t.status === "unclassified") throw new AppError("conflict", `The name ${c.tool} collides with an existing catalog tool.`);
    entryFor(t, c);
  }
  if (c.op === "reapprove" && t.status === "unclassified") throw new AppError("conflict", `${c.tool} was never classified; classify it instead.`);
}

function entryFor(t: McpUpstreamTool, c: Extract<McpChange, { op: "classify" }>) {
  return parseToolEntry({
    name: t.toolName,
    kind: c.kind,
    description: t.observedDescription,
    argsSchema: JSON.parse(t.observedSchema),
    summaryTemplate: c.summary_template,
    blastRadius: c.blast_radius,
    undo: c.undo,
  });
}

/** Ask for a widening change; a second admin applies it. */
export async function requestMcpChange(input: Actor & { change: unknown }): Promise<{ requestSeq: number }> {
  const change = parseChange(input.change);
  return db().$transaction(async (tx) => {
    await requireAdminInTx(tx, input.actorId);
    await check(tx, change);
    const [seq] = await appendAudit(tx, {
      type: "mcp.change_requested",
      ...userActor(input),
      tool: toolOf(change),
      status: "pending",
      reason: describe(change),
      data: { change },
    });
    return { requestSeq: seq! };
  });
}

function describe(c: McpChange): string {
  switch (c.op) {
    case "register":
      return `Register the MCP upstream ${c.name} (${c.transport === "http" ? c.url : `stdio: ${c.stdio_command}`}).`;
    case "classify": {
      // The approving admin reads what they apply: everything a reviewer's card will be built from.
      const b = c.blast_radius as { scope?: unknown; records?: unknown } | null;
      const u = c.undo as { reversible?: unknown; via?: unknown; note?: unknown } | null;
      const undo = u?.reversible === true ? `reversible via ${String(u.via)}` : "not reversible";
      return `Classify ${c.tool} as ${c.kind}: summary "${c.summary_template}"; touches ${String(b?.scope ?? "?")} (~${String(b?.records ?? "?")} records); ${undo}${u?.note ? ` (${String(u.note)})` : ""}${c.idempotent ? "; idempotent" : ""}.`;
    }
    case "reapprove":
      return `Re-approve ${c.tool} as the upstream now describes it.`;
    case "redaction_off":
      return `Return ${c.tool}'s results byte-exact (no secret redaction).`;
    case "enable":
      return `Turn the MCP upstream ${c.upstream} back on: its approved tools are served to agents again.`;
  }
}

async function openRequest(tx: Tx, seq: number) {
  const ev = await tx.auditEvent.findUnique({ where: { seq } });
  if (!ev || ev.type !== "mcp.change_requested") throw new AppError("not_found", "No such pending MCP change.");
  const done = await tx.auditEvent.findMany({ where: { type: { in: ["mcp.change_approved", "mcp.change_rejected"] }, seq: { gt: seq } }, select: { data: true } });
  if (done.some((d) => (JSON.parse(d.data) as { request_seq?: number }).request_seq === seq)) throw new AppError("conflict", "This MCP change was already decided.");
  return { ev, change: parseChange((JSON.parse(ev.data) as { change: unknown }).change) };
}

/** A second admin (never the requester, nor one tied to them by a recent elevation) applies a pending change. */
export async function approveMcpChange(input: Actor & { requestSeq: number; channel?: ApprovalChannel }): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, input.actorId);
    const { ev, change } = await openRequest(tx, input.requestSeq);
    await requireSecondPerson(tx, {
      firsts: ev.actorId ? [ev.actorId] : [],
      second: input.actorId,
      channel: input.channel ?? "console",
      sameMessage: "You requested this change; a second admin must approve it.",
    });
    await check(tx, change);
    await apply(tx, change, ev.actorId, input.actorId);
    await appendAudit(tx, {
      type: "mcp.change_approved",
      ...userActor(input),
      tool: toolOf(change),
      status: "saved",
      data: { request_seq: input.requestSeq, requested_by: ev.actorId, change },
    });
  });
}

export async function rejectMcpChange(input: Actor & { requestSeq: number }): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, input.actorId);
    const { ev, change } = await openRequest(tx, input.requestSeq);
    await appendAudit(tx, {
      type: "mcp.change_rejected",
      ...userActor(input),
      tool: toolOf(change),
      status: "rejected",
      data: { request_seq: input.requestSeq, requested_by: ev.actorId },
    });
  });
}

async function apply(tx: Tx, c: McpChange, requestedBy: string | null, approvedBy: string): Promise<void> {
  if (c.op === "register") {
    await tx.mcpUpstream.create({
      data: {
        id: newId("mcp"),
        name: c.name,
        transport: c.transport,
        url: c.transport === "http" ? c.url! : null,
        stdioCommand: c.transport === "stdio" ? c.stdio_command! : null,
        status: "active",
        maxConcurrent: c.max_concurrent ?? 8,
        timeoutMs: c.timeout_ms ?? 15_000,
        requestedBy,
        approvedBy,
      },
    });
    return;
  }
  if (c.op === "enable") {
    await tx.mcpUpstream.update({ where: { name: c.upstream }, data: { status: "active" } });
    return;
  }
  const t = (await tx.mcpUpstreamTool.findUnique({ where: { toolName: c.tool } }))!;
  if (c.op === "classify") {
    const entry = entryFor(t, c);
    const row = {
      kind: entry.kind,
      description: entry.description,
      argsSchema: JSON.stringify(entry.argsSchema),
      summaryTemplate: entry.summaryTemplate,
      blastRadius: JSON.stringify(entry.blastRadius),
      undo: JSON.stringify(entry.undo),
    };
    await tx.tool.upsert({ where: { name: entry.name }, create: { name: entry.name, ...row }, update: row });
    await tx.mcpUpstreamTool.update({
      where: { toolName: c.tool },
      data: { status: "approved", approvedDescription: t.observedDescription, approvedSchema: t.observedSchema, approvedHash: t.observedHash, idempotent: c.idempotent },
    });
    return;
  }
  if (c.op === "reapprove") {
    await tx.tool.update({ where: { name: c.tool }, data: { description: t.observedDescription, argsSchema: t.observedSchema } });
    await tx.mcpUpstreamTool.update({
      where: { toolName: c.tool },
      data: { status: "approved", approvedDescription: t.observedDescription, approvedSchema: t.observedSchema, approvedHash: t.observedHash },
    });
    return;
  }
  await tx.mcpUpstreamTool.update({ where: { toolName: c.tool }, data: { redactResults: false } });
}

/**
 * DEMO SEED ONLY (lib/seed/demo-mcp.ts, on a demo install's first start): apply a
 * change as the system, with no second admin, audited as `mcp.change_seeded`.
 */
export async function applySeedMcpChange(input: unknown): Promise<void> {
  const change = parseChange(input);
  await db().$transaction(async (tx) => {
    await check(tx, change);
    await apply(tx, change, null, "system");
    await appendAudit(tx, {
      type: "mcp.change_seeded",
      actorType: "system",
      tool: toolOf(change),
      status: "saved",
      reason: describe(change),
      data: { change },
    });
  });
}

/** Redaction back on: a narrowing, at once. */
export async function enableResultRedaction(input: Actor & { tool: string }): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, input.actorId);
    const t = await tx.mcpUpstreamTool.findUnique({ where: { toolName: input.tool } });
    if (!t) throw new AppError("not_found", `No upstream tool named ${input.tool}.`);
    await tx.mcpUpstreamTool.update({ where: { toolName: input.tool }, data: { redactResults: true } });
    await appendAudit(tx, { type: "mcp.redaction_on", ...userActor(input), tool: input.tool, status: "saved" });
  });
}

/**
 * Disable an upstream (a narrowing, one admin, at once: the incident switch): its tools are withheld from
 * tools/list and every call, and an approved call not yet run is closed unrun. Turning it back on is a
 * widening (the `enable` change, a second admin).
 */
export async function disableUpstream(input: Actor & { upstreamId: string; reason?: string }): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, input.actorId);
    const u = await tx.mcpUpstream.findUnique({ where: { id: input.upstreamId } });
    if (!u) throw new AppError("not_found", "No such upstream.");
    if (u.status === "disabled") throw new AppError("conflict", `The upstream ${u.name} is already disabled.`);
    await tx.mcpUpstream.update({ where: { id: u.id }, data: { status: "disabled" } });
    await appendAudit(tx, { type: "mcp.upstream_disabled", ...userActor(input), status: "saved", reason: input.reason ?? null, data: { upstream: u.name } });
  });
}

export const credentialScopeInput = z.strictObject({ tenant: z.string().min(1).max(100), env: z.enum(["prod", "staging", "dev"]) });

/** Remove the credential for one tenant/env (a narrowing, one admin, at once): that tenant/env's calls fail closed and its tools are hidden. */
export async function removeUpstreamCredential(input: Actor & { upstreamId: string; tenant: string; env: string }): Promise<void> {
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, input.actorId);
    const u = await tx.mcpUpstream.findUnique({ where: { id: input.upstreamId } });
    if (!u) throw new AppError("not_found", "No such upstream.");
    const gone = await tx.mcpUpstreamCredential.deleteMany({ where: { upstreamId: u.id, tenantId: input.tenant, env: input.env } });
    if (gone.count === 0) throw new AppError("not_found", `No credential is set for ${u.name} on ${input.tenant}/${input.env}.`);
    await appendAudit(tx, { type: "mcp.credential_removed", ...userActor(input), tenantId: input.tenant, env: input.env, status: "saved", data: { upstream: u.name } });
  });
}

const headerName = /^[A-Za-z0-9-]{1,64}$/;
export const credentialInput = z.strictObject({
  tenant: z.string().min(1).max(100),
  env: z.enum(["prod", "staging", "dev"]),
  /** Either a bearer token or explicit headers; never shown again. */
  bearer: z.string().min(1).max(4000).optional(),
  headers: z
    .record(z.string().regex(headerName), z.string().min(1).max(4000))
    .refine((h) => Object.keys(h).length <= 16, "at most 16 headers")
    .optional(),
});

const credContext = (upstreamId: string, tenantId: string, env: string) => `mcp-credential:${upstreamId}:${tenantId}:${env}`;

/** Set (or replace) the credential Gatehouse uses for an upstream on one tenant/env: sealed at rest, write-only, audited without its value. */
export async function setUpstreamCredential(input: Actor & { upstreamId: string; body: unknown }): Promise<void> {
  const r = credentialInput.safeParse(input.body);
  if (!r.success) throw new AppError("validation_failed", "Invalid upstream credential.", { issues: zodIssues(r.error.issues) });
  const { tenant, env, bearer, headers } = r.data;
  const all: Record<string, string> = { ...(headers ?? {}) };
  if (bearer) all.Authorization = `Bearer ${bearer}`;
  if (!Object.keys(all).length) throw new AppError("validation_failed", "Give a bearer token or headers.", { issues: [{ path: "bearer", message: "required" }] });
  await db().$transaction(async (tx) => {
    await requireAdminInTx(tx, input.actorId);
    const u = await tx.mcpUpstream.findUnique({ where: { id: input.upstreamId } });
    if (!u) throw new AppError("not_found", "No such upstream.");
    if (!(await tx.tenant.findUnique({ where: { id: tenant } }))) throw new AppError("validation_failed", "No such tenant.", { issues: [{ path: "tenant", message: "unknown" }] });
    if (u.transport === "stdio") {
      // A stdio command gets the credential as environment variables: only the ones its server configuration lists.
      const cmd = u.stdioCommand ? stdioCommand(u.stdioCommand) : null;
      const allowed = cmd?.credential_env ?? [];
      const refused = cmd ? credentialEnv(cmd, all).refused : Object.keys(all);
      if (refused.length)
        throw new AppError(
          "validation_failed",
          `A stdio upstream's credential may set only ${allowed.length ? allowed.join(", ") : "no variables"} (credential_env in GATEHOUSE_MCP_STDIO).`,
          {
            issues: refused.map((h) => ({ path: `headers.${h}`, message: `${credentialEnvName(h)} is not in credential_env` })),
          },
        );
    }
    const sealedHeaders = seal(JSON.stringify(all), credContext(u.id, tenant, env));
    await tx.mcpUpstreamCredential.upsert({
      where: { upstreamId_tenantId_env: { upstreamId: u.id, tenantId: tenant, env } },
      create: { upstreamId: u.id, tenantId: tenant, env, sealedHeaders, updatedBy: input.actorId },
      update: { sealedHeaders, updatedBy: input.actorId },
    });
    await appendAudit(tx, { type: "mcp.credential_set", ...userActor(input), tenantId: tenant, env, status: "saved", data: { upstream: u.name, header_names: Object.keys(all) } });
  });
}

/** How to reach an upstream for a tenant/env, with the unsealed credential; null when none is set (the call fails closed). */
export async function upstreamTarget(u: McpUpstream, scope: { tenantId: string; env: string }): Promise<UpstreamTarget | null> {
  const cred = await db().mcpUpstreamCredential.findUnique({ where: { upstreamId_tenantId_env: { upstreamId: u.id, tenantId: scope.tenantId, env: scope.env } } });
  return cred ? targetFrom(u, scope, cred) : null;
}

type Unsealed = { key: string; headers: Record<string, string> };
const g = globalThis as unknown as { gatehouseMcpHeaders?: Map<string, Unsealed> };
/** Unsealed credentials by upstream/tenant/env, valid while the sealed text is the same (a new credential is a new key). */
const unsealedHeaders = (g.gatehouseMcpHeaders ??= new Map());

/**
 * The target for a credential row already read (the gateway's hot path reads
 * tool, upstream and credential in one statement). The unsealed headers are
 * kept in memory keyed by the sealed text, so a call does no decryption; they
 * never leave the server.
 */
export function targetFrom(u: McpUpstream, scope: { tenantId: string; env: string }, cred: { sealedHeaders: string; updatedAt: Date }): UpstreamTarget {
  const slot = `${u.id}:${scope.tenantId}:${scope.env}`;
  let hit = unsealedHeaders.get(slot);
  if (!hit || hit.key !== cred.sealedHeaders) {
    hit = { key: cred.sealedHeaders, headers: z.record(z.string(), z.string()).parse(JSON.parse(unseal(cred.sealedHeaders, credContext(u.id, scope.tenantId, scope.env)))) };
    unsealedHeaders.set(slot, hit);
  }
  return {
    upstreamId: u.id,
    name: u.name,
    transport: u.transport,
    url: u.url,
    stdioCommand: u.stdioCommand,
    headers: hit.headers,
    // What the connection depends on (not updatedAt: a health write bumps it and would reconnect).
    version: `${scope.tenantId}:${scope.env}:${cred.updatedAt.getTime()}:${cred.sealedHeaders.slice(-24)}:${u.transport}:${u.url ?? ""}:${u.stdioCommand ?? ""}:${u.timeoutMs}:${u.maxConcurrent}`,
    timeoutMs: u.timeoutMs,
    maxConcurrent: u.maxConcurrent,
  };
}

function suggestKind(a: { readOnlyHint?: boolean; destructiveHint?: boolean } | undefined): ToolKind {
  if (a?.readOnlyHint === true) return "read";
  if (a?.destructiveHint === false) return "write";
  return "destructive"; // MCP's default for a non-read-only tool is destructive
}

export type SyncReport = { imported: string[]; changed: string[]; refused: { tool: string; reason: string }[] };

/**
 * Import the upstream's tools/list (with one tenant/env's credential). New
 * tools arrive unclassified (the annotations only pre-fill a suggestion); a
 * tool whose pin (name, description, input schema) differs from the approved
 * one is marked changed — withheld from agents until re-approved — and audited
 * with the diff. A name that collides with a native catalog tool is refused.
 */
export async function syncUpstreamTools(
  u: McpUpstream,
  scope: { tenantId: string; env: string },
  ctx: { actorType: "user" | "system"; actorId?: string | null; requestId?: string | null },
): Promise<SyncReport> {
  const target = await upstreamTarget(u, scope);
  if (!target) throw new AppError("conflict", `No credential is set for ${u.name} on ${scope.tenantId}/${scope.env}.`);
  let tools;
  try {
    tools = await listUpstreamTools(target);
    await recordHealth(u.id, null);
  } catch (err) {
    await recordHealth(u.id, err instanceof Error ? err.message : "unreachable");
    throw new AppError("conflict", `The upstream ${u.name} could not be listed: ${err instanceof Error ? err.message : "unreachable"}`);
  }
  const report: SyncReport = { imported: [], changed: [], refused: [] };
  await db().$transaction(async (tx) => {
    for (const t of tools.slice(0, 500)) {
      const toolName = `${u.name}.${t.name}`;
      if (t.name.length > 60 || !TOOL_NAME_PATTERN.test(toolName)) {
        report.refused.push({ tool: t.name.slice(0, 80), reason: "not a catalog tool name (lower-case letters, digits, _ and dots)" });
        continue;
      }
      const description = t.description.slice(0, 4000);
      const schema = JSON.stringify(t.inputSchema ?? { type: "object" });
      const pin = toolPin({ name: t.name, description, inputSchema: t.inputSchema ?? { type: "object" } });
      const existing = await tx.mcpUpstreamTool.findUnique({ where: { toolName } });
      if (!existing) {
        if (await tx.tool.findUnique({ where: { name: toolName } })) {
          report.refused.push({ tool: toolName, reason: "collides with an existing catalog tool" });
          continue;
        }
        await tx.mcpUpstreamTool.create({
          data: {
            toolName,
            upstreamId: u.id,
            upstreamTool: t.name,
            observedDescription: description,
            observedSchema: schema,
            observedHash: pin,
            suggestedKind: suggestKind(t.annotations),
          },
        });
        report.imported.push(toolName);
        await appendAudit(tx, { type: "mcp.tool_imported", ...ctx, tool: toolName, status: "unclassified", data: { upstream: u.name, pin } });
        continue;
      }
      if (existing.observedHash === pin) continue;
      const wasApproved = existing.approvedHash !== null;
      // A changed tool never goes back to approved by itself, even when a listing matches the approved pin again: pins
      // are global but each sync lists with one tenant's credential, and an upstream may serve one tenant a poisoned
      // description and another the approved one. Only a two-admin re-approval clears "changed"; the match is audited.
      const status = !wasApproved ? "unclassified" : pin === existing.approvedHash && existing.status !== "changed" ? "approved" : "changed";
      await tx.mcpUpstreamTool.update({ where: { toolName }, data: { observedDescription: description, observedSchema: schema, observedHash: pin, status } });
      if (status === "changed" && pin === existing.approvedHash) {
        await appendAudit(tx, {
          type: "mcp.tool_changed",
          ...ctx,
          tool: toolName,
          status: "withheld",
          reason: "This listing matches the approved pin again, but an earlier one differed; still withheld until two admins re-approve it.",
          data: {
            upstream: u.name,
            approved_pin: existing.approvedHash,
            observed_pin: pin,
            previous_pin: existing.observedHash,
            listed_for: { tenant: scope.tenantId, env: scope.env },
            description: { previous: existing.observedDescription, observed: description },
          },
        });
      } else if (status === "changed") {
        report.changed.push(toolName);
        await appendAudit(tx, {
          type: "mcp.tool_changed",
          ...ctx,
          tool: toolName,
          status: "withheld",
          reason: "The upstream changed this tool's description or input schema after approval; withheld until re-approved.",
          data: {
            upstream: u.name,
            approved_pin: existing.approvedHash,
            observed_pin: pin,
            listed_for: { tenant: scope.tenantId, env: scope.env },
            description: { approved: existing.approvedDescription, observed: description },
            schema: { approved: existing.approvedSchema, observed: schema },
          },
        });
      }
    }
  });
  return report;
}

const HEALTH_WRITE_MS = 30_000;
const lastHealthWrite = new Map<string, { at: number; ok: boolean }>();

/** Upstream health for the console: written on a change of state, or at most every 30 s per instance. */
export async function recordHealth(upstreamId: string, error: string | null): Promise<void> {
  const prev = lastHealthWrite.get(upstreamId);
  const now = Date.now();
  if (prev && prev.ok === (error === null) && now - prev.at < HEALTH_WRITE_MS) return;
  lastHealthWrite.set(upstreamId, { at: now, ok: error === null });
  const at = new Date(now);
  await db()
    .mcpUpstream.update({ where: { id: upstreamId }, data: error === null ? { lastOkAt: at } : { lastError: error.slice(0, 300), lastErrorAt: at } })
    .catch(() => {});
}

export type UpstreamView = {
  id: string;
  name: string;
  transport: string;
  url: string | null;
  stdio_command: string | null;
  status: string;
  health: { last_ok_at: string | null; last_error: string | null; last_error_at: string | null };
  /** Which tenant/envs have a credential set (never its value). */
  credentials: { tenant: string; env: string; updated_at: string }[];
  tools: {
    tool: string;
    status: string;
    suggested_kind: string;
    /** The description the upstream serves now (what an admin classifies, and what agents get once it is approved). */
    description: string;
    idempotent: boolean;
    redact_results: boolean;
    pin: string;
    diff: { description: [string | null, string]; schema: [string | null, string] } | null;
  }[];
};

/** The console's view of every upstream: health, which credentials are set, tools with their status and, when changed, the diff. */
export async function listUpstreams(): Promise<UpstreamView[]> {
  const [ups, creds, tools] = await Promise.all([
    db().mcpUpstream.findMany({ orderBy: { name: "asc" } }),
    db().mcpUpstreamCredential.findMany(),
    db().mcpUpstreamTool.findMany({ orderBy: { toolName: "asc" } }),
  ]);
  return ups.map((u) => ({
    id: u.id,
    name: u.name,
    transport: u.transport,
    url: u.url,
    stdio_command: u.stdioCommand,
    status: u.status,
    health: { last_ok_at: u.lastOkAt?.toISOString() ?? null, last_error: u.lastError, last_error_at: u.lastErrorAt?.toISOString() ?? null },
    credentials: creds.filter((c) => c.upstreamId === u.id).map((c) => ({ tenant: c.tenantId, env: c.env, updated_at: c.updatedAt.toISOString() })),
    tools: tools
      .filter((t) => t.upstreamId === u.id)
      .map((t) => ({
        tool: t.toolName,
        status: t.status,
        suggested_kind: t.suggestedKind,
        description: t.observedDescription,
        idempotent: t.idempotent,
        redact_results: t.redactResults,
        pin: t.observedHash,
        diff: t.status === "changed" ? { description: [t.approvedDescription, t.observedDescription], schema: [t.approvedSchema, t.observedSchema] } : null,
      })),
  }));
}

export type PendingMcpChange = { requestSeq: number; at: string; requestedBy: string | null; summary: string; change: McpChange };

/** MCP changes no admin has decided yet, oldest first. */
export async function listPendingMcpChanges(): Promise<PendingMcpChange[]> {
  const [requests, resolutions] = await Promise.all([
    db().auditEvent.findMany({ where: { type: "mcp.change_requested" }, orderBy: { seq: "asc" } }),
    db().auditEvent.findMany({ where: { type: { in: ["mcp.change_approved", "mcp.change_rejected"] } }, select: { data: true } }),
  ]);
  const done = new Set(resolutions.map((r) => (JSON.parse(r.data) as { request_seq?: number }).request_seq));
  const out: PendingMcpChange[] = [];
  for (const ev of requests) {
    if (done.has(Number(ev.seq))) continue;
    const parsed = mcpChange.safeParse((JSON.parse(ev.data) as { change?: unknown }).change);
    if (parsed.success) out.push({ requestSeq: Number(ev.seq), at: ev.at.toISOString(), requestedBy: ev.actorId, summary: ev.reason ?? "", change: parsed.data });
  }
  return out;
}
