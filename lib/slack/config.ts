import "server-only";
import { env } from "@/lib/env";

/** Slack is on with an incoming webhook, or a bot token and a default channel. */
export const slackConfigured = () => !!(env().GATEHOUSE_SLACK_WEBHOOK_URL || (env().GATEHOUSE_SLACK_BOT_TOKEN && env().GATEHOUSE_SLACK_CHANNEL));

/** Buttons need a way back in (the signing secret) and the Web API (a webhook message cannot be updated per user); off with GATEHOUSE_SLACK_BUTTONS=0. */
export const slackButtonsEnabled = () => env().GATEHOUSE_SLACK_BUTTONS === "1" && !!env().GATEHOUSE_SLACK_SIGNING_SECRET && !!env().GATEHOUSE_SLACK_BOT_TOKEN;

/**
 * Where a message goes: with a webhook, the webhook's own channel (`webhook`);
 * with the Web API, the first group channel given, else the default. Null when Slack is off.
 */
export function slackChannelFor(groupChannels: readonly (string | null)[]): string | null {
  if (!slackConfigured()) return null;
  if (env().GATEHOUSE_SLACK_BOT_TOKEN && env().GATEHOUSE_SLACK_CHANNEL) return groupChannels.find((c): c is string => !!c) ?? env().GATEHOUSE_SLACK_CHANNEL!;
  return "webhook";
}
