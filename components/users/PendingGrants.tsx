"use client";

import type { GrantView } from "@/lib/users/grants";
import { Badge } from "@/components/ui/Badge";
import { DecideButtons } from "@/components/ui/DecideButtons";
import { formatDateTime } from "@/components/ui/format-time";

const WHAT: Record<GrantView["kind"], string> = {
  create: "new user",
  roles: "add roles",
  enable: "re-enable",
  password: "password reset",
  group: "join reviewer group",
  sso_mapping: "SSO group",
};

/**
 * Role grants waiting for a second admin. The requester sees only "Withdraw";
 * the server refuses their approve anyway, and also the account's own and
 * that of anyone the requester elevated in the last 24 hours.
 */
export function PendingGrants({ grants, selfId, onDecide }: { grants: GrantView[]; selfId: string; onDecide: (id: string, decision: "approve" | "reject") => void }) {
  return (
    <section aria-label="Pending role grants" className="space-y-2 rounded-md border border-amber-200 bg-amber-50/40 p-4">
      <h2 className="text-sm font-semibold">Pending role grants</h2>
      {grants.length === 0 ? <p className="text-sm text-slate-500">Nothing waits for a second admin.</p> : null}
      <ul className="divide-y divide-amber-100">
        {grants.map((g) => {
          const own = g.requestedById === selfId;
          const self = g.userId === selfId;
          return (
            <li key={g.id} data-testid={`grant-${g.ssoGroup ?? g.email}`} className="flex flex-wrap items-start gap-3 py-2 text-sm">
              <div className="min-w-0 flex-1">
                <div className="flex flex-wrap items-center gap-2">
                  <Badge tone="amber">{WHAT[g.kind]}</Badge>
                  <span className="font-mono text-xs">{g.ssoGroup ?? g.email}</span>
                  <span className="text-xs text-slate-600">
                    {g.kind === "password" ? "new password" : g.kind === "group" ? `group: ${g.groupName ?? g.groupId}` : `roles: ${g.roles.join(", ") || "none"}`}
                    {g.kind === "sso_mapping" ? ` on ${g.scopes ?? "*"}` : ""}
                    {g.roleScopes != null ? ` · per role: ${g.roleScopes || "cleared"}` : ""}
                    {g.baseRoles ? ` (now: ${g.baseRoles.join(", ") || "none"})` : ""}
                  </span>
                </div>
                <div className="text-xs text-slate-500">
                  requested by {g.requestedByEmail ?? "a deleted user"} · {formatDateTime(g.requestedAt)}
                </div>
              </div>
              {own || self ? (
                <span className="flex items-center gap-3 text-xs">
                  <span className="text-slate-500">{own ? "Your request: a second admin must approve it." : "About your account: another admin must approve it."}</span>
                  {own ? (
                    <button
                      type="button"
                      className="text-red-700 hover:underline"
                      aria-label={`Withdraw grant for ${g.ssoGroup ?? g.email}`}
                      onClick={() => onDecide(g.id, "reject")}
                    >
                      Withdraw
                    </button>
                  ) : null}
                </span>
              ) : (
                <DecideButtons subject={`grant for ${g.ssoGroup ?? g.email}`} onDecide={(d) => onDecide(g.id, d)} />
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
