import "server-only";
import { asksOf, type AskView } from "@/lib/reviewer-groups/asks";
import { recordCardServed, serverTimesOnCard } from "@/lib/approvals/card-views";
import { db } from "@/lib/db/client";
import { covers, scopeWhere, scopesFor, type RoleScopes, type Scoped } from "@/lib/auth/scopes";
import type { BlastRadius, Undo } from "@/lib/policy/types";
import { toolReviewInfo } from "@/lib/approvals/tool-info";
import { isGatewayAction } from "@/lib/mcp/gateway-actions";
import { STEP_UP_MAX_AGE_MS } from "@/lib/approvals/schemas";
import { buildTimeline, type Timeline, type TimelineEntry } from "@/lib/approvals/build-timeline";
import { actionStateNotices, type StateNotice } from "@/lib/approvals/action-state";
import { headlineOf } from "@/lib/approvals/list-queue";
import { voteCountsFor } from "@/lib/actions/counting-votes";
import type { SummarySegment } from "@/lib/catalog/render-summary";
import { buildCardPayload, type CardPayload } from "@/lib/approvals/card-payload";
import { openCardCopy } from "@/lib/approvals/card-copy";
import { servicePreviewOf } from "@/lib/previews/service-preview";
import { displaySpecSchema, resolveDisplayFields } from "@/lib/catalog/display-spec";

export type CardVote = {
  userEmail: string;
  userName: string;
  vote: string;
  comment: string | null;
  at: string;
  /** Measured by the server: the card's first serve to this voter → their vote; null when it was never served to them (token, chat). */
  timeOnCardMs: number | null;
  /** What the voter's browser reported (a second figure, not trusted). */
  browserTimeOnCardMs: number | null;
  breakGlass: boolean;
  /** False for a token or chat vote on an action that now needs console votes (lib/actions/counting-votes.ts). */
  counts: boolean;
};

/** Everything the approval card and the detail page show about one action. */
export type ActionDetail = {
  id: string;
  status: string;
  decisionReason: string;
  tool: string;
  toolKind: string;
  toolDescription: string;
  summary: string;
  /** The summary as the template's words and the agent's (fenced) values. */
  headline: SummarySegment[];
  tenantId: string;
  env: string;
  route: string;
  policyVersion: number;
  createdAt: string;
  expiresAt: string | null;
  decidedAt: string | null;
  rejectReason: string | null;
  escalatedAt: string | null;
  /** Who was asked to decide it, why and when (lib/reviewer-groups/asks.ts): routed, escalated, reassigned. */
  asked: AskView[];
  /** For an admin on a pending action: the reviewer groups it can be reassigned to; null otherwise. */
  reassignGroups: { id: string; name: string }[] | null;
  ttlExtendedAt: string | null;
  blastRadius: BlastRadius | null;
  undo: Undo | null;
  agent: string;
  run: { id: string; stepsUsed: number; stepsMax: number; usdUsed: number; usdMax: number; secondsMax: number; startedAt: string } | null;
  idempotencyKey: string;
  argsHash: string;
  /**
   * Pretty-printed for the raw-args disclosure: the same copy the card shows (`argsCopy`), with the fields the
   * display spec masks or hides taken from the audit copy, so the raw view never shows more than the spec allows.
   */
  argsDisplay: string;
  /** Untrusted: written by the agent. */
  reason: string | null;
  /** Untrusted: written by the agent (redacted at write time). */
  preview: { before?: unknown; after?: unknown } | null;
  onBehalfOf: string | null;
  approvalsRequired: number;
  approvalsReceived: number;
  votes: CardVote[];
  /** Kill switch, open breaker, policy change, revoked credential, as they are now (pending actions only). */
  state: StateNotice[];
  /**
   * What the viewer may do now; the server re-checks every one of these.
   * `executes`: this viewer's approval would be the last one needed, so it runs the action.
   * `confirmTarget`: a destructive approval asks the reviewer to type this (the target's id) first.
   */
  viewer: { canVote: boolean; canReject: boolean; whyNot: string | null; stepUpRequired: boolean; canExtend: boolean; executes: boolean; confirmTarget: string | null };
  /**
   * A call the MCP gateway proposed: Gatehouse itself runs it on this upstream as soon as it is approved (with the
   * upstream's credential; no agent holds a token for it). Null for a call the agent runs with its token.
   */
  gateway: { upstream: string } | null;
  result: { status: string; durationMs: number | null; error: string | null; at: string | null } | null;
  redeemedAt: string | null;
  timeline: TimelineEntry[];
  /** Events of a long timeline left out between its first and last ones (the audit log has them); null when none. */
  timelineOmitted: Timeline["omitted"];
  /** The payload rendered for a human: display-spec fields and both previews (lib/approvals/card-payload.ts). */
  card: CardPayload;
  /**
   * Which copy of the args the card shows: "card" (the sealed copy, personal data kept: reviewers and on-call
   * while it is retained) or "audit" (personal data masked: other roles, and every role after the retention).
   */
  argsCopy: "card" | "audit";
};

/** `roleScopes`: each held role's own scopes (session user); a role counts here only where it applies (scopesFor). */
export type DetailViewer = { id: string; email: string; roles: readonly string[]; roleScopes?: RoleScopes } & Scoped;

function parseObject(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The card copy for the raw view, each field the spec masks or hides replaced by its audit-copy value. */
function rawView(
  card: Record<string, unknown>,
  audit: Record<string, unknown>,
  argsSchema: Record<string, unknown> | null,
  spec: Parameters<typeof resolveDisplayFields>[1],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const guarded = new Set(
    resolveDisplayFields(argsSchema, spec)
      .filter((f) => f.visibility !== "show")
      .map((f) => f.field),
  );
  for (const [k, v] of Object.entries(card)) {
    Object.defineProperty(out, k, { value: guarded.has(k) ? audit[k] : v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** What a reviewer types to approve a destructive action: its target's id (the first `…id` argument), else the action id. */
function confirmTarget(argsDisplay: string, actionId: string): string {
  const args = parseObject(argsDisplay) ?? {};
  for (const [k, v] of Object.entries(args)) {
    if (/(^|_)id$/i.test(k) && typeof v === "string" && v.length > 0 && v.length <= 100 && !v.includes("•")) return v;
  }
  return actionId;
}

/** The upstream an MCP gateway call runs on (its name, as the MCP upstreams page shows it). */
async function gatewayUpstreamOf(tool: string): Promise<{ upstream: string }> {
  const t = await db().mcpUpstreamTool.findUnique({ where: { toolName: tool }, select: { upstreamId: true } });
  const u = t ? await db().mcpUpstream.findUnique({ where: { id: t.upstreamId }, select: { name: true } }) : null;
  return { upstream: u?.name ?? "(an upstream no longer registered)" };
}

/** One action for the console, with its card fields and audit timeline; null when unknown or outside the viewer's scopes (the same 404). */
export async function getActionDetail(id: string, viewer: DetailViewer): Promise<ActionDetail | null> {
  const a = await db().action.findFirst({ where: { AND: [{ id }, scopeWhere(viewer)] } });
  if (!a) return null;
  // Another reviewer's pending canary is the same 404 as a missing action.
  const canary = await db().canaryAction.findUnique({ where: { actionId: a.id }, select: { reviewerId: true, outcome: true } });
  if (canary && canary.outcome === "pending" && canary.reviewerId !== viewer.id) return null;
  // Time on card starts when the card is first served to this viewer (lib/approvals/card-views.ts).
  if (a.status === "pending") await recordCardServed(a.id, viewer.id);
  const [tool, cred, run, approvals, me, asked] = await Promise.all([
    db().tool.findUnique({ where: { name: a.tool } }),
    // scope-guard: the action's own credential, read only after the action passed scopeWhere
    db().agentCredential.findUnique({ where: { id: a.credentialId }, select: { name: true } }),
    // scope-guard: the action's own run, read only after the action passed scopeWhere
    db().run.findUnique({ where: { id: a.runId } }),
    db().approval.findMany({ where: { actionId: a.id }, orderBy: { createdAt: "asc" } }),
    db().user.findUnique({ where: { id: viewer.id }, select: { lastSignInAt: true } }),
    asksOf(a.id),
  ]);
  const onCard = await serverTimesOnCard(approvals);
  const gateway = isGatewayAction(a) ? await gatewayUpstreamOf(a.tool) : null;
  const users = approvals.length ? await db().user.findMany({ where: { id: { in: approvals.map((v) => v.userId) } }, select: { id: true, email: true, name: true } }) : [];
  const emailOf = (uid: string) => users.find((u) => u.id === uid)?.email ?? uid;
  const nameOf = (uid: string) => users.find((u) => u.id === uid)?.name || emailOf(uid);
  const info = toolReviewInfo(tool);
  const now = Date.now();
  const pending = a.status === "pending" && (!a.expiresAt || a.expiresAt.getTime() > now);
  // Per-role scopes: a reviewer of another tenant who sees this action as its admin is no reviewer of it.
  const actsAs = (role: string) => covers({ scopes: scopesFor(viewer, role) }, a.tenantId, a.env);
  const isReviewer = actsAs("reviewer");
  const onBehalf = !!a.onBehalfOf && a.onBehalfOf.trim().toLowerCase() === viewer.email.toLowerCase();
  const voted = approvals.some((v) => v.userId === viewer.id);
  const state = pending ? await actionStateNotices(a) : [];
  const blocker = state.find((n) => n.blocks);
  const received = approvals.filter((v) => v.vote === "approve" && voteCountsFor(a, v.channel)).length;
  const personal = !pending
    ? a.status === "pending"
      ? "This action has expired."
      : `This action is already ${a.status}.`
    : !isReviewer
      ? "Only reviewers may vote."
      : onBehalf
        ? "This action is on your behalf; someone else must decide it."
        : voted
          ? a.approvalsRequired > 1
            ? "You approved already; the next approval must come from someone else."
            : "You have already voted."
          : null;
  // A blocker stops an approval, not a rejection: a reviewer can still turn the action down.
  const whyNot = personal ?? (blocker ? `Approving is not possible now: ${blocker.message}` : null);
  const preview = parseObject(a.previewDisplay);
  // Personal data that is the substance of the decision is for the people who decide (and break-glass on-call).
  const mayReadCardCopy = isReviewer || actsAs("oncall");
  const cardArgs = mayReadCardCopy && a.argsCardSealed ? openCardCopy(a.id, a.argsCardSealed) : null;
  const spec = tool?.displaySpec ? displaySpecSchema.safeParse(parseJsonText(tool.displaySpec)) : null;
  const argsSchema = tool ? parseObject(tool.argsSchema) : null;
  const auditArgs = parseObject(a.argsDisplay) ?? {};
  const rawArgs = cardArgs ? rawView(cardArgs, auditArgs, argsSchema, spec?.success ? spec.data : null) : null;
  const stale = !me?.lastSignInAt || now - me.lastSignInAt.getTime() > STEP_UP_MAX_AGE_MS;
  const timeline = await buildTimeline(a.id);

  return {
    id: a.id,
    status: pending || a.status !== "pending" ? a.status : "expired",
    decisionReason: a.decisionReason,
    tool: a.tool,
    toolKind: a.toolKind,
    toolDescription: info.description,
    summary: a.summary,
    headline: headlineOf(a, tool?.summaryTemplate),
    tenantId: a.tenantId,
    env: a.env,
    route: a.routeName,
    policyVersion: a.policyVersion,
    createdAt: a.createdAt.toISOString(),
    expiresAt: a.expiresAt?.toISOString() ?? null,
    decidedAt: a.decidedAt?.toISOString() ?? null,
    rejectReason: a.rejectReason,
    escalatedAt: a.escalatedAt?.toISOString() ?? null,
    asked,
    reassignGroups: pending && actsAs("admin") ? await db().reviewerGroup.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } }) : null,
    ttlExtendedAt: a.ttlExtendedAt?.toISOString() ?? null,
    blastRadius: info.blastRadius,
    undo: info.undo,
    agent: cred?.name ?? a.credentialId,
    run: run
      ? {
          id: run.id,
          stepsUsed: run.stepsUsed,
          stepsMax: run.stepsMax,
          usdUsed: run.usdUsedMicros / 1_000_000,
          usdMax: run.usdMaxMicros / 1_000_000,
          secondsMax: run.secondsMax,
          startedAt: run.startedAt.toISOString(),
        }
      : null,
    idempotencyKey: a.idempotencyKey,
    argsHash: a.argsHash,
    argsDisplay: rawArgs ? JSON.stringify(rawArgs, null, 2) : pretty(a.argsDisplay),
    reason: a.reason,
    preview: preview ? { before: preview.before, after: preview.after } : null,
    onBehalfOf: a.onBehalfOf,
    approvalsRequired: a.approvalsRequired,
    approvalsReceived: received,
    votes: approvals.map((v) => ({
      userEmail: emailOf(v.userId),
      userName: nameOf(v.userId),
      vote: v.vote,
      comment: v.comment,
      at: v.createdAt.toISOString(),
      timeOnCardMs: onCard.get(`${v.actionId}:${v.userId}`) ?? null,
      browserTimeOnCardMs: v.timeOnCardMs,
      breakGlass: v.breakGlassSessionId !== null,
      counts: v.vote !== "approve" || voteCountsFor(a, v.channel),
    })),
    state,
    viewer: {
      canVote: whyNot === null,
      canReject: personal === null,
      whyNot,
      executes: whyNot === null && received + 1 >= a.approvalsRequired,
      confirmTarget: a.toolKind === "destructive" ? confirmTarget(a.argsDisplay, a.id) : null,
      stepUpRequired: a.toolKind === "destructive" && stale,
      canExtend: pending && isReviewer && !onBehalf && a.ttlExtendedAt === null && a.expiresAt !== null,
    },
    gateway,
    result: a.resultStatus ? { status: a.resultStatus, durationMs: a.resultDurationMs, error: a.resultError, at: a.resultAt?.toISOString() ?? null } : null,
    redeemedAt: a.redeemedAt?.toISOString() ?? null,
    timeline: timeline.entries,
    timelineOmitted: timeline.omitted,
    card: buildCardPayload({
      argsSchema,
      summaryTemplate: tool?.summaryTemplate ?? "",
      displaySpec: spec?.success ? spec.data : null,
      args: cardArgs ?? auditArgs,
      agentPreview: preview ? { before: preview.before, after: preview.after } : null,
      servicePreview: servicePreviewOf(a),
    }),
    argsCopy: cardArgs ? "card" : "audit",
  };
}
