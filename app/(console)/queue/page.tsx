import type { Metadata } from "next";
import { requirePageRole } from "@/lib/auth/session";
import { pageRoles } from "@/components/console/nav-items";
import { listFilterOptions } from "@/lib/approvals/filter-options";
import { parseActionFilters, parseQueuePage } from "@/lib/approvals/schemas";
import { consoleVersion, listQueue } from "@/lib/approvals/list-queue";
import { getActionDetail } from "@/lib/approvals/get-action-detail";
import { QueueView, type QueueInitial } from "@/components/queue/QueueView";
import { QUEUE_FILTER_KEYS, queueRequestQuery } from "@/components/queue/query-keys";

export const metadata: Metadata = { title: "Queue" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function QueuePage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requirePageRole(...pageRoles("/queue"));
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(await searchParams)) if (typeof v === "string") sp.set(k, v);
  const [options, initial] = await Promise.all([listFilterOptions(), firstPage(sp, user)]);
  return (
    <>
      <h1 className="mb-2 text-lg font-semibold tracking-tight text-slate-900 md:text-xl">Queue</h1>
      <QueueView options={options} initial={initial} />
    </>
  );
}

/**
 * The page and card the URL asks for, read here so the first render needs no
 * round trip from the browser. A malformed filter or cursor renders without
 * it: the browser's own request then shows the 422.
 */
async function firstPage(sp: URLSearchParams, user: { id: string; email: string; roles: string[] }): Promise<QueueInitial> {
  try {
    const filters = parseActionFilters(sp);
    const page = parseQueuePage(sp);
    const version = await consoleVersion();
    const result = await listQueue(filters, user, page);
    const selected = sp.get("id") ?? result.items[0]?.id ?? null;
    const detail = selected ? await getActionDetail(selected, user) : null;
    const serverTime = new Date().toISOString();
    const known = Object.fromEntries(QUEUE_FILTER_KEYS.filter((k) => filters[k]).map((k) => [k, filters[k]]));
    return {
      query: queueRequestQuery(known, { after: page.after, before: page.before, last: page.last }),
      page: { ...result, version, serverTime },
      detail: detail ? { ...detail, serverTime } : null,
    };
  } catch {
    return null;
  }
}
