import { expect } from "@playwright/test";
import { E2E_BASE_URL } from "./constants";

type Json = Record<string, unknown>;

async function call(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${E2E_BASE_URL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as Json };
}

/** POST /api/v1/runs through the real agent API; returns the run id. */
export async function startRun(key: string, route: string): Promise<string> {
  const run = await call(key, "POST", "/api/v1/runs", { route });
  expect(run.status, JSON.stringify(run.json)).toBeLessThan(300);
  return String(run.json.run_id);
}

/** Start a run on `route` and propose one tool call through the real agent API; returns the pending action id. */
export async function proposePending(
  key: string,
  route: string,
  action: { tool: string; args: Json; reason?: string; preview?: { before?: unknown; after?: unknown }; on_behalf_of?: string },
): Promise<string> {
  const proposed = await call(key, "POST", "/api/v1/actions", {
    run_id: await startRun(key, route),
    idempotency_key: `e2e-${action.tool}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    ...action,
  });
  expect(proposed.status, JSON.stringify(proposed.json)).toBe(202);
  expect(proposed.json.status).toBe("pending");
  return String(proposed.json.action_id);
}

/** GET /api/v1/actions/{id}, optionally long-polling `wait` seconds. */
export async function getAction(key: string, id: string, wait?: number): Promise<Json> {
  const r = await call(key, "GET", `/api/v1/actions/${encodeURIComponent(id)}${wait ? `?wait=${wait}` : ""}`);
  expect(r.status).toBe(200);
  return r.json;
}

/** POST /api/v1/actions/{id}/cancel: withdraw a pending action (cleans up after a test that filled the queue). */
export async function cancelAction(key: string, id: string): Promise<number> {
  return (await call(key, "POST", `/api/v1/actions/${encodeURIComponent(id)}/cancel`, {})).status;
}

/** Run `fn` over `items`, `concurrency` at a time, keeping the order of the results. */
export async function inBatches<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
    }),
  );
  return out;
}
