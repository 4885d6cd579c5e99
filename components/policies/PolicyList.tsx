import Link from "next/link";
import type { RoutePolicyView } from "@/lib/console/list-policies";
import { Badge } from "@/components/ui/Badge";

function Names({ label, names, tone }: { label: string; names: string[]; tone: "green" | "red" | "amber" | "blue" }) {
  return (
    <div>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1 flex flex-wrap gap-1">
        {names.length ? (
          names.map((n) => (
            <Badge key={n} tone={tone}>
              {n}
            </Badge>
          ))
        ) : (
          <span className="text-xs text-slate-600">none</span>
        )}
      </dd>
    </div>
  );
}

/** One card per route: active version, allow / deny / require-approval lists, budgets. */
export function PolicyList({ routes }: { routes: RoutePolicyView[] }) {
  return (
    <div className="space-y-3">
      {routes.map((r) => (
        <section key={r.route} className="rounded-md border border-slate-200 bg-white px-4 py-3 shadow-sm" aria-label={`Route ${r.route}`}>
          <div className="flex flex-wrap items-center gap-2">
            <h2 className="font-mono text-sm font-semibold">{r.route}</h2>
            <Link href={`/policies/${r.route}`} className="text-xs text-sky-700" aria-label={`Edit ${r.route}`}>
              Edit
            </Link>
            <Badge>v{r.activeVersion}</Badge>
            {r.openBreakers.length > 0 ? <Badge tone="red">breaker open: {r.openBreakers.join(", ")}</Badge> : null}
            {r.pendingVersions ? <Badge tone="amber">{r.pendingVersions} pending change</Badge> : null}
            {r.description ? <span className="text-sm text-slate-500">{r.description}</span> : null}
          </div>
          {r.policy ? (
            <dl className="mt-3 grid grid-cols-1 gap-3 md:grid-cols-4">
              <Names label="Allow" names={r.policy.allow_tools} tone="green" />
              <Names label="Require approval" names={r.policy.require_approval} tone="amber" />
              <Names label="Deny" names={r.policy.deny_tools} tone="red" />
              <div>
                <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Budgets</dt>
                <dd className="mt-1 text-xs text-slate-700">
                  {r.policy.budgets.steps ?? "?"} steps · {r.policy.budgets.seconds ?? "?"} s · ${r.policy.budgets.usd ?? "?"}
                </dd>
              </div>
            </dl>
          ) : (
            <p className="mt-2 text-sm text-red-700">The active policy version could not be read.</p>
          )}
        </section>
      ))}
    </div>
  );
}
