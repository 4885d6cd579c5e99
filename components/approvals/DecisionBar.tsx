"use client";

import { useEffect, useImperativeHandle, useRef, useState, type Ref } from "react";
import { useMutation } from "@tanstack/react-query";
import type { ActionDetail } from "@/lib/approvals/get-action-detail";
import { ApprovalRequestError, postExtend, postVote, type VoteResponse } from "@/components/approvals/approval-api";
import { refusalMessage } from "@/components/approvals/vote-messages";

export type DecisionHandle = { approve: () => void; startReject: () => void };

type Props = {
  detail: ActionDetail;
  onDecided: (vote: "approve" | "reject", result: VoteResponse) => void;
  onRefused: (message: string) => void;
  onExtended: () => void;
  ref?: Ref<DecisionHandle>;
};

/**
 * Approve (optional comment) or reject (reason required, sent to the agent).
 * A destructive approval on a stale sign-in asks for the password (step-up).
 * The server decides every rule; this only asks and reports.
 * Time-on-card is measured from this bar's mount, so callers key it by the action id.
 */
export function DecisionBar({ detail, onDecided, onRefused, onExtended, ref }: Props) {
  const [comment, setComment] = useState("");
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const [password, setPassword] = useState("");
  const [needPassword, setNeedPassword] = useState(detail.viewer.stepUpRequired);
  const [error, setError] = useState<string | null>(null);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  // performance.now() when this card was shown (mounted), for time-on-card; read only when voting.
  const shownAt = useRef<number | null>(null);
  useEffect(() => {
    shownAt.current = performance.now();
  }, []);

  const vote = useMutation({
    mutationFn: (v: "approve" | "reject") =>
      postVote(detail.id, {
        vote: v,
        ...(v === "approve" && comment.trim() ? { comment: comment.trim() } : {}),
        ...(v === "reject" ? { reason: reason.trim() } : {}),
        ...(v === "approve" && needPassword && password ? { password } : {}),
        time_on_card_ms: timeOnCardMs(shownAt.current),
      }),
    onSuccess: (result, v) => {
      setError(null);
      setPassword("");
      onDecided(v, result);
    },
    onError: (err) => {
      const reasonCode = err instanceof ApprovalRequestError ? err.reason : undefined;
      if (reasonCode === "step_up_required") {
        setNeedPassword(true);
        setTimeout(() => passwordRef.current?.focus(), 0);
      }
      const message = refusalMessage(reasonCode, err.message);
      // The step-up prompt explains itself; a wrong password keeps the server's wording.
      const shown = reasonCode === "step_up_required" && password ? err.message : message;
      setError(shown);
      onRefused(shown);
    },
  });
  const extend = useMutation({
    mutationFn: () => postExtend(detail.id),
    onSuccess: () => onExtended(),
    onError: (err) => {
      const m = refusalMessage(err instanceof ApprovalRequestError ? err.reason : undefined, err.message);
      setError(m);
      onRefused(m);
    },
  });

  const approve = () => {
    if (vote.isPending) return;
    if (needPassword && !password) {
      setError("Approving a destructive action needs your password again.");
      passwordRef.current?.focus();
      return;
    }
    vote.mutate("approve");
  };
  const startReject = () => {
    setRejecting(true);
    setTimeout(() => reasonRef.current?.focus(), 0);
  };
  useImperativeHandle(ref, () => ({ approve, startReject }));

  const disabled = !detail.viewer.canVote || vote.isPending;
  return (
    <section aria-label="Decision" className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2">
      {detail.viewer.whyNot ? (
        <p className="mb-2 text-sm font-medium text-slate-700" data-testid="why-not">
          {detail.viewer.whyNot}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="mb-2 rounded bg-red-50 px-2 py-1 text-sm font-medium text-red-800 ring-1 ring-red-200" data-testid="vote-error">
          {error}
        </p>
      ) : null}
      {!rejecting ? (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            approve();
          }}
        >
          <label className="flex min-w-48 flex-1 flex-col text-xs text-slate-600">
            Comment (optional)
            <input
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              maxLength={2000}
              className="mt-0.5 rounded border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900"
            />
          </label>
          {needPassword ? (
            <label className="flex w-48 flex-col text-xs text-slate-600">
              Your password (step-up)
              <input
                ref={passwordRef}
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                className="mt-0.5 rounded border border-amber-400 bg-white px-2 py-1 text-sm text-slate-900"
              />
            </label>
          ) : null}
          <button
            type="submit"
            disabled={disabled}
            aria-keyshortcuts="a"
            className="rounded bg-emerald-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-emerald-800 disabled:cursor-not-allowed disabled:opacity-50"
          >
            Approve
          </button>
          <button
            type="button"
            disabled={disabled}
            onClick={startReject}
            aria-keyshortcuts="r"
            className="rounded bg-white px-3 py-1.5 text-sm font-semibold text-red-700 ring-1 ring-red-300 hover:bg-red-50 disabled:cursor-not-allowed disabled:opacity-50"
          >
            Reject
          </button>
          {detail.viewer.canExtend ? (
            <button type="button" onClick={() => extend.mutate()} disabled={extend.isPending} className="rounded px-2 py-1.5 text-xs text-slate-600 underline hover:text-slate-900">
              Extend time once
            </button>
          ) : null}
        </form>
      ) : (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (!reason.trim()) {
              setError("A rejection needs a reason; the agent receives it.");
              return;
            }
            vote.mutate("reject");
          }}
        >
          <label className="flex min-w-64 flex-1 flex-col text-xs text-slate-600">
            Reason for rejection (sent to the agent)
            <textarea
              ref={reasonRef}
              required
              rows={2}
              maxLength={2000}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) e.currentTarget.form?.requestSubmit();
                if (e.key === "Escape") setRejecting(false);
              }}
              className="mt-0.5 rounded border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900"
            />
          </label>
          <button
            type="submit"
            disabled={disabled}
            className="rounded bg-red-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-800 disabled:cursor-not-allowed disabled:opacity-50"
          >
            Confirm rejection
          </button>
          <button type="button" onClick={() => setRejecting(false)} className="rounded px-2 py-1.5 text-sm text-slate-600 underline">
            Cancel
          </button>
        </form>
      )}
    </section>
  );
}

/** Milliseconds since `shownAt` (a performance.now() reading); 0 if the card has not mounted yet. */
function timeOnCardMs(shownAt: number | null): number {
  const now = performance.now();
  return Math.max(0, Math.round(now - (shownAt ?? now)));
}
