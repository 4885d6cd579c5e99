import { CONSOLE_HEADERS } from "@/components/console/fetch-console";

export type FieldIssue = { path: string; message: string };

/** A refused catalog call, keeping the server's field issues so the form can show them. */
export class ToolApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

/**
 * Call a catalog mutation. Unlike fetchConsole it keeps `issues` from a 422
 * (which JSON Schema keyword failed to compile, which field is out of range).
 */
export async function sendToolChange<T>(path: string, method: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...CONSOLE_HEADERS, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json().catch(() => null)) as (T & { error?: { message?: string; issues?: FieldIssue[] } }) | null;
  if (!res.ok) throw new ToolApiError(res.status, json?.error?.message ?? `Request failed (${res.status})`, json?.error?.issues ?? []);
  return json as T;
}
