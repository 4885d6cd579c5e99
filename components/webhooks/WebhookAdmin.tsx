"use client";

import { useState } from "react";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import type { EndpointRow } from "@/lib/webhook-admin/manage-endpoints";
import type { DeliveryPage } from "@/lib/webhook-admin/deliveries";
import { DELIVERY_PAGE, DELIVERY_STATUSES, type DeliveryStatus } from "@/lib/webhook-admin/delivery-log";
import { WEBHOOK_EVENT_TYPES } from "@/lib/webhooks/events";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { Badge } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";
import { formatDateTime, formatPeriod, formatTime } from "@/components/ui/format-time";
import { PageButton } from "@/components/ui/PageButton";

/** Webhook endpoints (secret shown once), test-send, and the delivery log (paged, by status, with counts) with retry. */
export function WebhookAdmin() {
  const qc = useQueryClient();
  const [status, setStatus] = useState<DeliveryStatus | "">("");
  const [older, setOlder] = useState<string | null>(null);
  // The cursors of the newer pages walked through, so "Newer" steps back one page.
  const [newer, setNewer] = useState<(string | null)[]>([]);
  const q = useQuery({
    queryKey: adminKeys.webhookPage(status, older),
    queryFn: () => {
      const p = new URLSearchParams();
      if (status) p.set("status", status);
      if (older) p.set("older", older);
      return fetchConsole<{ endpoints: EndpointRow[]; deliveries: DeliveryPage }>(`/api/console/webhooks${p.size ? `?${p}` : ""}`);
    },
    placeholderData: keepPreviousData,
    refetchInterval: 5000,
  });
  const log = q.data?.deliveries;
  const total = log ? Object.values(log.counts).reduce((n, c) => n + c, 0) : 0;
  const page = (to: string | null, stack: (string | null)[]) => (setNewer(stack), setOlder(to));
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>(["*"]);
  const [allowPrivate, setAllowPrivate] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      const r = await fn();
      if (r && typeof r === "object" && "secret" in r) setSecret((r as { secret: string }).secret);
      await qc.invalidateQueries({ queryKey: adminKeys.webhooks() });
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <section aria-label="Webhooks" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
      <h2 className="text-sm font-semibold">Webhooks</h2>
      <form
        className="flex flex-wrap items-end gap-2 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => fetchConsole("/api/console/webhooks", { method: "POST", body: JSON.stringify({ url, events, allowPrivate }) }));
        }}
      >
        <label>
          URL <input aria-label="Webhook URL" value={url} onChange={(e) => setUrl(e.target.value)} className="w-72 rounded border border-slate-300 p-1" />
        </label>
        <label>
          Events
          <select
            aria-label="Webhook events"
            multiple
            value={events}
            onChange={(e) => setEvents([...e.target.selectedOptions].map((o) => o.value))}
            className="ml-1 h-20 rounded border border-slate-300 p-1 text-xs"
          >
            <option value="*">all events</option>
            {WEBHOOK_EVENT_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={allowPrivate} onChange={(e) => setAllowPrivate(e.target.checked)} /> allow a private address
        </label>
        <button type="submit" className="rounded bg-slate-900 px-3 py-1 text-white">
          Add endpoint
        </button>
      </form>
      {secret ? (
        <p role="status" className="rounded border border-amber-300 bg-amber-50 p-2 text-sm">
          Signing secret (shown once): <code>{secret}</code>
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <Table label="Webhook endpoints" head={["URL", "Events", "State", ""]} empty={q.data ? "No endpoint yet: add one above." : undefined}>
        {(q.data?.endpoints ?? []).map((e) => (
          <tr key={e.id}>
            <Td className="font-mono text-xs">{e.url}</Td>
            <Td className="text-xs">{e.events.join(", ")}</Td>
            <Td>{e.enabled ? <Badge tone="green">enabled</Badge> : <Badge>disabled</Badge>}</Td>
            <Td>
              <span className="flex gap-2 text-xs">
                <button type="button" className="text-sky-700" onClick={() => void act(() => fetchConsole(`/api/console/webhooks/${e.id}/test`, { method: "POST" }))}>
                  Send test
                </button>
                <button
                  type="button"
                  className="text-sky-700"
                  onClick={() => void act(() => fetchConsole(`/api/console/webhooks/${e.id}`, { method: "PATCH", body: JSON.stringify({ enabled: !e.enabled }) }))}
                >
                  {e.enabled ? "Disable" : "Enable"}
                </button>
                <button type="button" className="text-red-700" onClick={() => void act(() => fetchConsole(`/api/console/webhooks/${e.id}`, { method: "DELETE" }))}>
                  Delete
                </button>
              </span>
            </Td>
          </tr>
        ))}
      </Table>
      <div className="flex flex-wrap items-center gap-2 text-xs text-slate-700">
        <label>
          Delivery log{" "}
          <select
            aria-label="Delivery status"
            value={status}
            onChange={(e) => (setStatus(e.target.value as DeliveryStatus | ""), page(null, []))}
            className="rounded border border-slate-300 p-0.5 text-xs"
          >
            <option value="">all ({total.toLocaleString("en-US")})</option>
            {DELIVERY_STATUSES.map((st) => (
              <option key={st} value={st}>
                {st} ({(log?.counts[st] ?? 0).toLocaleString("en-US")})
              </option>
            ))}
          </select>
        </label>
        <span data-testid="delivery-page">
          {older ? "Older deliveries" : "The newest deliveries"}, {DELIVERY_PAGE} a page{log && !log.older ? "; nothing older" : ""}
        </span>
        <PageButton label="Newest" disabled={!older} onClick={() => page(null, [])} />
        <PageButton label="Newer" disabled={!older} onClick={() => page(newer.at(-1) ?? null, newer.slice(0, -1))} />
        <PageButton label="Older" disabled={!log?.older} onClick={() => log?.older && page(log.older, [...newer, older])} />
      </div>
      <Table
        label="Delivery log"
        head={["When", "Event", "URL", "Status", "Attempts", "Last result", ""]}
        empty={q.data ? (status ? `No ${status} delivery.` : "No delivery yet.") : undefined}
      >
        {(log?.items ?? []).map((d) => (
          <tr key={d.id}>
            <Td className="text-xs">{formatDateTime(d.createdAt)}</Td>
            <Td className="text-xs">{d.event}</Td>
            <Td className="font-mono text-xs">{d.url}</Td>
            <Td>
              <Badge tone={d.status === "delivered" ? "green" : d.status === "pending" ? "amber" : "red"}>{d.status}</Badge>
            </Td>
            <Td className="text-xs">
              <details>
                <summary>{d.attempts}</summary>
                {d.log.map((a) => (
                  <div key={a.at}>
                    {formatTime(a.at)} — {a.statusCode ?? a.error} ({a.durationMs} ms)
                  </div>
                ))}
              </details>
            </Td>
            <Td className="text-xs">{d.lastStatusCode ?? d.lastError ?? ""}</Td>
            <Td>
              {d.status !== "delivered" && d.status !== "pending" ? (
                <button
                  type="button"
                  className="text-xs text-sky-700"
                  onClick={() => void act(() => fetchConsole(`/api/console/webhooks/deliveries/${d.id}/retry`, { method: "POST" }))}
                >
                  Retry
                </button>
              ) : null}
            </Td>
          </tr>
        ))}
      </Table>
      {log && (
        <p data-testid="delivery-retention" className="text-xs text-slate-500">
          A finished delivery is kept {formatPeriod(log.retentionSeconds)} after its last attempt, then deleted (the audit log keeps a record of each batch).
        </p>
      )}
    </section>
  );
}
