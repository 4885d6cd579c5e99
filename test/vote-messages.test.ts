import { describe, expect, it } from "vitest";
import { REASON_CODES } from "@/lib/policy/types";
import { voteOutcome } from "@/components/approvals/vote-messages";
import type { VoteResponse } from "@/components/approvals/approval-api";

const answered = (status: string, reason?: string) => ({ status, reason, approvalsReceived: 1, approvalsRequired: 1, transitioned: true }) as unknown as VoteResponse;

describe("the reviewer's toast after a vote", () => {
  it("an approved MCP gateway call: Gatehouse runs it on its upstream; no agent fetches a token", () => {
    expect(voteOutcome("approve", answered("approved"), { upstream: "helpdesk" }).text).toBe("Approved — Gatehouse is running the call on the MCP upstream helpdesk.");
    expect(voteOutcome("approve", answered("approved"), null).text).toBe("Approved — the agent can now get its token.");
    expect(voteOutcome("reject", answered("rejected"), { upstream: "helpdesk" }).text).toContain("nothing is sent upstream");
  });

  it("every reason the approval-time re-check denies with reads as words, not a code", () => {
    const allowing = new Set(["read_allowed", "auto_approved", "approval_required", "idempotency_mismatch"]);
    const denials = [...REASON_CODES.filter((c) => !allowing.has(c)), "credential_revoked", "tool_withheld"];
    for (const reason of denials) {
      const o = voteOutcome("approve", answered("denied", reason), null);
      expect(o.tone).toBe("error");
      expect(o.text, reason).not.toContain("reason:");
      expect(o.text, reason).not.toContain(reason);
    }
  });
});
