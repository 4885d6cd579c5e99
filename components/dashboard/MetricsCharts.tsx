"use client";

import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { ConsoleMetrics } from "@/lib/metrics/console-metrics";
import { consoleKeys } from "@/components/console/query-keys";
import { fetchConsole } from "@/components/console/fetch-console";
import { formatTime } from "@/components/ui/format-time";

const hhmm = (iso: string) => formatTime(iso).slice(0, 5);

function Panel({ title, subtitle, children, testId }: { title: string; subtitle?: string; children: React.ReactNode; testId: string }) {
  return (
    <section className="rounded-md border border-slate-200 bg-white p-4 shadow-sm" data-testid={testId} aria-label={title}>
      <h2 className="text-sm font-semibold text-slate-800">{title}</h2>
      {subtitle ? <p className="text-xs text-slate-500">{subtitle}</p> : null}
      <div className="mt-3 h-56">{children}</div>
    </section>
  );
}

function formatSeconds(s: number | null): string {
  if (s === null) return "no decisions yet";
  if (s < 90) return `median ${Math.round(s)} s`;
  return `median ${(s / 60).toFixed(1)} min`;
}

/** Charts over the last 24 h, from /api/console/metrics (database-wide, so the same on every instance). */
export function MetricsCharts() {
  const { data, error } = useQuery({
    queryKey: consoleKeys.metrics(),
    queryFn: () => fetchConsole<ConsoleMetrics>("/api/console/metrics"),
    refetchInterval: 15_000,
  });
  if (error)
    return (
      <p role="status" className="text-sm text-red-700">
        Charts could not be loaded: {(error as Error).message}
      </p>
    );
  if (!data) return <p className="text-sm text-slate-500">Loading charts…</p>;
  const denials = data.denials.map((d) => ({ label: `${d.tool} · ${d.reason}`, count: d.count }));
  return (
    <div className="mt-6 grid gap-4 lg:grid-cols-2">
      <Panel title="Pending over time" subtitle={`Actions waiting for a human, last ${data.windowHours} h (times in UTC)`} testId="chart-pending">
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data.pendingOverTime}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="at" tickFormatter={hhmm} fontSize={11} minTickGap={24} />
            <YAxis allowDecimals={false} fontSize={11} width={32} />
            <Tooltip labelFormatter={(v) => formatTime(String(v))} />
            <Line type="stepAfter" dataKey="pending" stroke="#b45309" dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </Panel>
      <Panel
        title="Time to decision"
        subtitle={`Approved or rejected in the last ${data.windowHours} h — ${formatSeconds(data.timeToDecisionMedianSeconds)}`}
        testId="chart-time-to-decision"
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data.timeToDecision}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="bucket" fontSize={11} />
            <YAxis allowDecimals={false} fontSize={11} width={32} />
            <Tooltip />
            <Bar dataKey="count" fill="#2563eb" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </Panel>
      <div className="lg:col-span-2">
        <Panel title="Denials by tool and reason" subtitle={`Denied proposals in the last ${data.windowHours} h (audit log)`} testId="chart-denials">
          {denials.length === 0 ? (
            <p className="text-sm text-slate-500">No denials in this window.</p>
          ) : (
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={denials} layout="vertical" margin={{ left: 16 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
                <XAxis type="number" allowDecimals={false} fontSize={11} />
                <YAxis type="category" dataKey="label" width={260} fontSize={11} />
                <Tooltip />
                <Bar dataKey="count" fill="#dc2626" isAnimationActive={false} />
              </BarChart>
            </ResponsiveContainer>
          )}
        </Panel>
      </div>
    </div>
  );
}
