"use client";

import { useQuery } from "@tanstack/react-query";
import type { RouteTestRun } from "@/lib/policy-changes/run-policy-tests";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";

/** "Run all": every route's policy tests against its active version. */
export function RunAllTests() {
  const q = useQuery({ queryKey: adminKeys.testRun(), queryFn: () => fetchConsole<{ routes: RouteTestRun[] }>("/api/console/policy-tests/run"), enabled: false });
  const all = q.data?.routes ?? [];
  const failing = all.flatMap((r) => r.results.filter((x) => !x.ok));
  return (
    <section aria-label="Run all policy tests" className="mb-4 rounded border border-slate-200 bg-white p-3 text-sm">
      <button type="button" className="rounded border border-slate-300 px-2 py-1" onClick={() => void q.refetch()}>
        Run all policy tests
      </button>
      {q.data ? (
        <div className="mt-2">
          <p data-testid="run-all-summary">
            {all.reduce((n, r) => n + r.results.length, 0)} tests across {all.length} routes, {failing.length} failing.
          </p>
          <ul className="list-disc pl-5">
            {all.flatMap((r) =>
              r.results.map((x) => (
                <li key={r.route + x.message} className={x.ok ? "text-slate-600" : "text-red-700"}>
                  {x.message}
                </li>
              )),
            )}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
