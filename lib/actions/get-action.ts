import "server-only";
import { sqlRead } from "@/lib/db/sql";
import { loadActionWithApprovals, type ActionWithApprovals } from "@/lib/db/tables/action";
import { AppError } from "@/lib/errors";
import type { ActionView } from "@/lib/api/schemas";
import type { AgentPrincipal } from "@/lib/agents/authenticate-agent";
import { toActionView } from "@/lib/actions/action-view";
import { expireIfDue } from "@/lib/actions/expire-actions";
import { waitForActionWake } from "@/lib/events/action-events";
import { needsRemint } from "@/lib/actions/approval-window";
import { remintActionToken } from "@/lib/actions/remint-action-token";
import { withEditSealed } from "@/lib/actions/edit-action-args";

/**
 * An action as its tenant+environment sees it. Any other tenant's or
 * environment's id is indistinguishable from a missing one (404).
 */
/**
 * `woken`: the re-read of a long-poll that was just woken (its own pool on PostgreSQL); `prefetched`:
 * that re-read already done by the wake worker (lib/events/pg-notify.ts) — the row by id, after the
 * change, checked against this agent's scope here like any other.
 */
type ReadOptions = { woken?: boolean; prefetched?: ActionWithApprovals | null };

export async function getAction(agent: AgentPrincipal, actionId: string, ctx: { requestId?: string | null } = {}, opts: ReadOptions = {}): Promise<ActionView> {
  const view = await getActionView(agent, actionId, ctx, opts);
  return withEditSealed(view.view, view.proposedByViewer, view.editedArgsSealed);
}

async function getActionView(
  agent: AgentPrincipal,
  actionId: string,
  ctx: { requestId?: string | null },
  opts: ReadOptions,
): Promise<{ view: ActionView; proposedByViewer: boolean; editedArgsSealed: string | null }> {
  const load = () => sqlRead((sql) => loadActionWithApprovals(sql, { id: actionId, tenantId: agent.tenantId, env: agent.env }), { woken: opts.woken });
  let found = opts.prefetched !== undefined && opts.prefetched?.action.id === actionId ? opts.prefetched : await load();
  if (!found || found.action.tenantId !== agent.tenantId || found.action.env !== agent.env) {
    throw new AppError("not_found", "No such action.");
  }
  const a = found.action;
  if (a.status === "pending" && a.expiresAt && a.expiresAt <= new Date()) {
    await expireIfDue(a.id);
    found = (await load())!;
  }
  const mine = a.credentialId === agent.credentialId;
  // Only an approval whose token expired unredeemed, within its window, costs more than the one read.
  if (mine && needsRemint(a, new Date())) {
    const remint = await remintActionToken(agent, a.id, ctx);
    found = (await load())!;
    if (remint && "refused" in remint)
      return {
        view: toActionView(found.action, { viewerCredentialId: agent.credentialId, approvalsReceived: found.approvals, remintRefused: remint.refused }),
        proposedByViewer: mine,
        editedArgsSealed: found.editedArgsSealed ?? null,
      };
    if (remint)
      return {
        view: toActionView(found.action, { viewerCredentialId: agent.credentialId, approvalsReceived: found.approvals, token: remint.token }),
        proposedByViewer: mine,
        editedArgsSealed: found.editedArgsSealed ?? null,
      };
  }
  return {
    view: toActionView(found.action, { viewerCredentialId: agent.credentialId, approvalsReceived: found.approvals }),
    proposedByViewer: mine,
    editedArgsSealed: found.editedArgsSealed ?? null,
  };
}

/**
 * Long-poll: return at once unless the action is pending; otherwise wait for
 * a change (or its expiry, or the deadline) and return the fresh state.
 */
export async function waitForAction(
  agent: AgentPrincipal,
  actionId: string,
  waitSeconds: number,
  signal?: AbortSignal,
  ctx: { requestId?: string | null } = {},
): Promise<ActionView> {
  const first = await getAction(agent, actionId, ctx);
  if (first.status !== "pending" || waitSeconds <= 0) return first;
  let waitMs = waitSeconds * 1000;
  if (first.expires_at) waitMs = Math.min(waitMs, Math.max(0, Date.parse(first.expires_at) - Date.now()) + 50);
  const wake = await waitForActionWake(actionId, waitMs, signal);
  return getAction(agent, actionId, ctx, { woken: wake.changed, prefetched: wake.prefetched as ActionWithApprovals | null | undefined });
}
