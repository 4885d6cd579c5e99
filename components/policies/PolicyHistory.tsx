"use client";

import { useState } from "react";
import type { PolicyVersionRow } from "@/lib/routes/get-route-detail";
import { Badge } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";
import { formatDateTime } from "@/components/ui/format-time";

type RollbackResult = { status: "active" | "pending" | "blocked"; version: number; failing: { message: string }[]; unknownTools: string[] };

/** Every version: status, who, when, why, who approved; roll back to one that was active (a new version, approved like any change). */
export function PolicyHistory({
  route,
  versions,
  activeVersion,
  onChange,
}: {
  route: string;
  versions: PolicyVersionRow[];
  activeVersion: number;
  onChange: (r: RollbackResult) => void;
}) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const rollback = async (toVersion: number) => {
    setError(null);
    const res = await fetch("/api/console/policies/rollback", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Gatehouse-Console": "1" },
      body: JSON.stringify({ route, toVersion, reason }),
    });
    const body = (await res.json()) as RollbackResult & { error?: { message: string } };
    if (!res.ok && res.status !== 409) setError(body.error?.message ?? "Rollback failed.");
    else onChange(body);
  };
  return (
    <section aria-label="Version history" className="space-y-2">
      <h2 className="text-sm font-semibold">History</h2>
      <label className="text-sm">
        Reason for a rollback
        <input aria-label="Rollback reason" value={reason} onChange={(e) => setReason(e.target.value)} className="ml-1 w-64 rounded border border-slate-300 p-1 text-sm" />
      </label>
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <Table label="Policy versions" head={["Version", "Status", "Author", "When", "Why", "Approved by", ""]}>
        {versions.map((v) => (
          <tr key={v.id}>
            <Td>v{v.version}</Td>
            <Td>
              <Badge
                tone={
                  v.status === "active"
                    ? "green"
                    : v.status === "pending"
                      ? "amber"
                      : v.status === "blocked" || v.status === "rejected"
                        ? "red"
                        : v.status === "rebased"
                          ? "blue"
                          : "slate"
                }
              >
                {v.status}
              </Badge>
            </Td>
            <Td className="text-xs">{v.author ?? "seed"}</Td>
            <Td className="text-xs">{formatDateTime(v.createdAt)}</Td>
            <Td className="text-xs">{v.reason}</Td>
            <Td className="text-xs">{v.approvedBy ? `${v.approvedBy} (${formatDateTime(v.approvedAt!)})` : ""}</Td>
            <Td>
              {/* Only versions that took effect once ("superseded"); blocked, rejected, rebased and withdrawn ones never did. */}
              {v.version !== activeVersion && v.status === "superseded" && v.policy ? (
                <button type="button" className="text-xs text-sky-700" onClick={() => void rollback(v.version)}>
                  Roll back to v{v.version}
                </button>
              ) : null}
            </Td>
          </tr>
        ))}
      </Table>
    </section>
  );
}
