"use client";

import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { fetchConsole } from "@/components/console/fetch-console";
import { slackKeys } from "@/components/slack/query-keys";
import { formatDateTime } from "@/components/ui/format-time";

type Link = { teamId: string; slackUserId: string; linkedAt: string } | null;

/**
 * Link your Slack identity: Gatehouse shows a one-time code (10 minutes) that
 * you send from Slack as `/gatehouse link <code>`; Slack signs that request
 * with your Slack user id. Never matched by e-mail.
 */
export function SlackLink() {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: slackKeys.link(), queryFn: () => fetchConsole<{ link: Link }>("/api/console/slack-link") });
  const [code, setCode] = useState<{ code: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const link = q.data?.link ?? null;
  const run = async (fn: () => Promise<void>) => {
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      await qc.invalidateQueries({ queryKey: slackKeys.link() });
    }
  };
  return (
    <section aria-labelledby="slack-link" className="space-y-2 rounded-md border border-slate-200 bg-white p-3 text-sm" data-testid="slack-link">
      <h2 id="slack-link" className="text-base font-semibold text-slate-900">
        Slack
      </h2>
      {error ? (
        <p role="alert" className="text-red-700">
          {error}
        </p>
      ) : null}
      {link ? (
        <p data-testid="slack-linked">
          Linked to Slack user <span className="font-mono">{link.slackUserId}</span> in workspace <span className="font-mono">{link.teamId}</span> since{" "}
          {formatDateTime(link.linkedAt)}.{" "}
          <button
            type="button"
            className="text-red-700 hover:underline"
            onClick={() => void run(async () => void (await fetchConsole("/api/console/slack-link", { method: "DELETE" })))}
          >
            Unlink
          </button>
        </p>
      ) : (
        <p className="text-slate-700">Not linked. Buttons in Slack messages work only for a linked identity, and only on single-approval, non-destructive actions.</p>
      )}
      {code ? (
        <p role="status" className="rounded border border-sky-200 bg-sky-50 px-2 py-1.5" data-testid="slack-code">
          In Slack, send <code className="font-mono font-semibold">/gatehouse link {code.code}</code> before {formatDateTime(code.expiresAt)}. The code is shown once.
        </p>
      ) : null}
      <button
        type="button"
        className="rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white"
        onClick={() => void run(async () => setCode(await fetchConsole<{ code: string; expiresAt: string }>("/api/console/slack-link", { method: "POST" })))}
      >
        {link ? "Link another Slack identity" : "Make a link code"}
      </button>
    </section>
  );
}
