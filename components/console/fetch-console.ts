/** The header every console mutation must send (lib/http/console-guard.ts). */
export const CONSOLE_HEADERS = { "X-Gatehouse-Console": "1" } as const;

export class ConsoleFetchError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** fetch a console API as JSON; a 401 sends the browser to sign in again. */
export async function fetchConsole<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, {
    ...init,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...CONSOLE_HEADERS, ...(init.body ? { "Content-Type": "application/json" } : {}), ...init.headers },
  });
  if (res.status === 401 && typeof window !== "undefined") {
    // A full load on purpose: the session is gone, so no client state should survive.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new ConsoleFetchError(res.status, body?.error?.message ?? `Request failed (${res.status})`);
  }
  return (await res.json()) as T;
}
