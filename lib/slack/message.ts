import { redactText } from "@/lib/redact/redact";
import { clip, escapeMrkdwn, SLACK_LIMITS } from "@/lib/slack/mrkdwn";

/**
 * The Slack message for one notification (pure): masked as for the audit log
 * (lib/redact) and escaped for mrkdwn before anything leaves for Slack, a
 * deep link to the card, and Approve/Reject buttons only where a chat vote
 * may decide alone (buttonsAllowed). A button carries the action id and the
 * args hash it was shown for; the click is re-checked against both.
 */

export const APPROVE_ACTION_ID = "gatehouse_approve";
export const REJECT_ACTION_ID = "gatehouse_reject";

export type SlackAction = {
  id: string;
  tool: string;
  toolKind: string;
  tenantId: string;
  env: string;
  routeName: string;
  summary: string;
  argsHash: string;
  approvalsRequired: number;
  expiresAt: Date | null;
};

export type SlackBlock = Record<string, unknown>;
export type SlackMessage = { text: string; blocks: SlackBlock[] };

/** A chat button may decide only a single-approval, non-destructive action; destructive and two-person ones go to the console (step-up). */
export const buttonsAllowed = (a: Pick<SlackAction, "toolKind" | "approvalsRequired">) => a.toolKind !== "destructive" && a.approvalsRequired === 1;

/** What a button carries back: the action and the args hash it was shown for. */
export type ButtonValue = { a: string; h: string };

const LEAD: Record<string, string> = {
  pending_action: "Waiting for review",
  escalation: "Still waiting (escalated)",
  reassigned: "Reassigned to you",
  expiry_soon: "Expires soon",
};

const safe = (s: string, max = 300) => escapeMrkdwn(clip(redactText(s).replace(/[\r\n\t]+/g, " "), max));

/** The message for an action notification. */
export function actionMessage(input: { kind: string; action: SlackAction; link: string; buttons: boolean; asked?: string | null }): SlackMessage {
  const a = input.action;
  const lead = LEAD[input.kind] ?? "Waiting for review";
  const where = `${safe(a.tenantId, 100)}/${safe(a.env, 20)}`;
  const head = `*${lead}:* ${a.toolKind === "destructive" ? "destructive " : ""}\`${safe(a.tool, 100)}\` on route \`${safe(a.routeName, 100)}\` (${where})`;
  const lines = [head, `Summary (from the agent, untrusted): ${safe(a.summary)}`];
  if (a.expiresAt) lines.push(`Expires: ${a.expiresAt.toISOString()}`);
  if (input.asked) lines.push(`Asked: ${safe(input.asked, 200)}`);
  if (!buttonsAllowed(a))
    lines.push(a.toolKind === "destructive" ? "Destructive: decide in the console (two people, password again)." : "Needs two people: decide in the console.");
  const text = clip(lines.join("\n"), SLACK_LIMITS.sectionText);
  const elements: SlackBlock[] = [{ type: "button", text: { type: "plain_text", text: "Open the card" }, url: clip(input.link, SLACK_LIMITS.url), action_id: "gatehouse_open" }];
  if (input.buttons && buttonsAllowed(a)) {
    const value = JSON.stringify({ a: a.id, h: a.argsHash } satisfies ButtonValue);
    elements.push(
      { type: "button", style: "primary", text: { type: "plain_text", text: "Approve" }, action_id: APPROVE_ACTION_ID, value },
      { type: "button", style: "danger", text: { type: "plain_text", text: "Reject" }, action_id: REJECT_ACTION_ID, value },
    );
  }
  return {
    text: clip(`${lead}: ${safe(a.tool, 100)} for ${where}`, 300),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      { type: "actions", block_id: `gatehouse:${a.id}`.slice(0, 255), elements },
    ],
  };
}

/** The message for an open break-glass session: a console link only. */
export function breakGlassMessage(input: { opener: string; reason: string; expiresAt: Date; link: string }): SlackMessage {
  const text = `*Break-glass opened* by ${safe(input.opener, 200)} until ${input.expiresAt.toISOString()}.\nReason: ${safe(input.reason)}`;
  return {
    text: "Break-glass opened",
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: clip(text, SLACK_LIMITS.sectionText) } },
      {
        type: "actions",
        elements: [{ type: "button", text: { type: "plain_text", text: "Review in the console" }, url: clip(input.link, SLACK_LIMITS.url), action_id: "gatehouse_open" }],
      },
    ],
  };
}
