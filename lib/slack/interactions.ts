import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { appendAudit } from "@/lib/audit/append";
import { roleScopedRow, scopesFor } from "@/lib/auth/scopes";
import { parseRoles } from "@/lib/auth/roles";
import { assertActionInScope } from "@/lib/approvals/action-scope";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { APPROVE_ACTION_ID, REJECT_ACTION_ID, buttonsAllowed } from "@/lib/slack/message";
import { slackButtonsEnabled } from "@/lib/slack/config";
import { firstSighting, verifySlackRequest } from "@/lib/slack/verify";
import { linkedUser, linkFromSlack } from "@/lib/slack/link";
import { deniedBecause } from "@/lib/actions/denied-because";

/**
 * Requests from Slack: a button click (interactivity) and the `/gatehouse`
 * slash command. Both are verified first — v0 signature over the raw body,
 * 5-minute window, a seen signature refused — and answer 401 otherwise. A
 * click is a vote by the linked console user, re-checked exactly as a console
 * vote (scopes, then every rule in voteOnAction) and additionally refused
 * unless the action is a single-approval, non-destructive one still showing
 * the args hash the button was made for. Cast as channel "chat", which never
 * counts toward a two-person rule and never counts as step-up.
 */

export type SlackAnswer = { status: number; body: Record<string, unknown> };

const say = (text: string): SlackAnswer => ({ status: 200, body: { response_type: "ephemeral", replace_original: false, text } });

async function verified(raw: string, headers: Headers, now: Date): Promise<SlackAnswer | null> {
  const signature = headers.get("x-slack-signature");
  const verdict = verifySlackRequest(env().GATEHOUSE_SLACK_SIGNING_SECRET, { timestamp: headers.get("x-slack-request-timestamp"), signature }, raw, now.getTime());
  if (verdict !== "ok") return { status: 401, body: { error: verdict === "stale" ? "stale_timestamp" : "invalid_signature" } };
  if (!(await firstSighting(signature!, now))) return { status: 401, body: { error: "replayed" } };
  return null;
}

const interaction = z.object({
  type: z.string(),
  team: z.object({ id: z.string().min(1).max(40) }),
  user: z.object({ id: z.string().min(1).max(40) }),
  actions: z.array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() })).max(5),
});
const buttonValue = z.strictObject({ a: z.string().min(1).max(100), h: z.string().min(1).max(200) });

async function refusedAudit(reason: string, data: Record<string, unknown>, actor: { id: string } | null, actionId: string | null): Promise<void> {
  // scope-guard: only after the action passed assertActionInScope (actionId null otherwise)
  const a = actionId ? await db().action.findUnique({ where: { id: actionId }, select: { tenantId: true, env: true } }) : null;
  await db().$transaction((tx) =>
    appendAudit(tx, {
      type: "slack.vote_refused",
      actorType: actor ? "user" : "system",
      actorId: actor?.id ?? "slack",
      actionId: a ? actionId : null,
      tenantId: a?.tenantId ?? null,
      env: a?.env ?? null,
      status: "refused",
      reason,
      data,
    }),
  );
}

/** POST /api/slack/interactions — a Block Kit button click. */
export async function handleSlackInteraction(raw: string, headers: Headers, requestId: string, now = new Date()): Promise<SlackAnswer> {
  const bad = await verified(raw, headers, now);
  if (bad) return bad;
  const parsed = interaction.safeParse(safeJson(new URLSearchParams(raw).get("payload")));
  if (!parsed.success) return { status: 400, body: { error: "bad_payload" } };
  const p = parsed.data;
  const click = p.actions.find((x) => x.action_id === APPROVE_ACTION_ID || x.action_id === REJECT_ACTION_ID);
  if (p.type !== "block_actions" || !click) return { status: 200, body: {} }; // the "Open the card" link button, or something we did not send
  const slack = { team_id: p.team.id, user_id: p.user.id };
  if (!slackButtonsEnabled()) {
    await refusedAudit("buttons_off", slack, null, null);
    return say("Decisions from Slack are turned off; open the card in Gatehouse.");
  }
  const value = buttonValue.safeParse(safeJson(click.value ?? null));
  if (!value.success) return { status: 400, body: { error: "bad_payload" } };
  const user = await linkedUser({ teamId: p.team.id, userId: p.user.id });
  if (!user || user.disabled) {
    await refusedAudit("not_linked", slack, null, null);
    return say("Your Slack identity is not linked to a Gatehouse user. Link it in Gatehouse (Settings → Slack), then try again.");
  }
  const actionId = value.data.a;
  try {
    // The reviewer role's own scopes (per-role), not the union of every role the user holds.
    await assertActionInScope({ scopes: scopesFor(roleScopedRow({ ...user, roles: parseRoles(user.roles) }), "reviewer") }, actionId);
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") {
      await refusedAudit("not_found", slack, user, null);
      return say("No such action.");
    }
    throw err;
  }
  // scope-guard: assertActionInScope passed just above
  const a = await db().action.findUnique({ where: { id: actionId } });
  if (!a) return say("No such action.");
  const link = `${env().publicUrl}/queue?id=${encodeURIComponent(a.id)}`;
  if (!buttonsAllowed(a)) {
    await refusedAudit("console_only", { ...slack, tool_kind: a.toolKind, approvals_required: a.approvalsRequired }, user, a.id);
    return say(`This action needs the console (destructive or two people): ${link}`);
  }
  if (a.argsHash !== value.data.h) {
    await refusedAudit("args_changed", slack, user, a.id);
    return say(`This action's arguments changed since the message was posted; look again in the console: ${link}`);
  }
  try {
    const vote = click.action_id === APPROVE_ACTION_ID ? "approve" : "reject";
    const r = await voteOnAction({
      actionId: a.id,
      userId: user.id,
      vote,
      rejectReason: vote === "reject" ? `Rejected from Slack by ${user.email}` : undefined,
      comment: vote === "approve" ? "Approved from Slack" : undefined,
      channel: "chat",
      requestId,
    });
    if (r.status === "approved") return say(`Approved: ${a.tool} (${a.id}).`);
    if (r.status === "rejected") return say(`Rejected: ${a.tool} (${a.id}).`);
    // Denied at the re-check (a kill switch, a changed policy, a withheld MCP tool): say why, as the console does.
    if (r.status === "denied") return say(`Not approved: ${a.tool} (${a.id}) was denied when your approval was checked — ${deniedBecause(r.reason)}.`);
    return say(`Recorded; the action is ${r.status}.`);
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return say(`Not recorded: ${err.message}`);
    throw err;
  }
}

const command = z.object({ command: z.string().max(100), text: z.string().max(500).default(""), team_id: z.string().min(1).max(40), user_id: z.string().min(1).max(40) });

/** POST /api/slack/commands — `/gatehouse link <code>`: link this Slack identity to the console user who made the code. */
export async function handleSlackCommand(raw: string, headers: Headers, now = new Date()): Promise<SlackAnswer> {
  const bad = await verified(raw, headers, now);
  if (bad) return bad;
  const c = command.safeParse(Object.fromEntries(new URLSearchParams(raw)));
  if (!c.success) return { status: 400, body: { error: "bad_payload" } };
  const m = /^\s*link\s+([A-Za-z0-9-]{6,20})\s*$/.exec(c.data.text);
  if (!m) return say("Usage: /gatehouse link <code> — make a code in Gatehouse under Settings → Slack.");
  try {
    const { email } = await linkFromSlack(m[1]!, { teamId: c.data.team_id, userId: c.data.user_id }, now);
    return say(`Linked to Gatehouse user ${email}.`);
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return say(err.message);
    throw err;
  }
}

function safeJson(s: string | null): unknown {
  if (s === null) return null;
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
