import { consoleKeys } from "@/components/console/query-keys";

/** React Query keys for the signed-in user's Slack link. */
export const slackKeys = {
  link: () => [...consoleKeys.all, "slack-link"] as const,
};
