import { CONSOLE_HEADERS } from "@/components/console/fetch-console";
import type { VoteBody } from "@/lib/approvals/schemas";

/** A refused console request, keeping the server's machine-readable `reason`. */
export class ApprovalRequestError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json", ...CONSOLE_HEADERS },
    body: JSON.stringify(body),
  });
  if (!res.ok) {
    const err = (await res.json().catch(() => null)) as { error?: { message?: string; reason?: string } } | null;
    throw new ApprovalRequestError(res.status, err?.error?.reason, err?.error?.message ?? `Request failed (${res.status})`);
  }
  return (await res.json()) as T;
}

export type VoteResponse = { status: string; approvalsReceived: number; approvalsRequired: number; transitioned: boolean; reason?: string };

/** POST a vote (approve or reject) for one action. */
export function postVote(actionId: string, body: VoteBody): Promise<VoteResponse> {
  return post(`/api/console/actions/${encodeURIComponent(actionId)}/vote`, body);
}

/** POST a one-time TTL extension. */
export function postExtend(actionId: string): Promise<{ expiresAt: string }> {
  return post(`/api/console/actions/${encodeURIComponent(actionId)}/extend`, {});
}
