/** A console API response stamped with the server's clock (`serverTime`, ISO). */
export type ServerTimed = { serverTime: string };

/**
 * The response plus `clockSkewMs` (server clock minus this browser's clock), measured when the
 * response arrives. Call it in a query function, never during render: it reads the clock.
 */
export function withClockSkew<T extends ServerTimed>(response: T): T & { clockSkewMs: number } {
  const server = new Date(response.serverTime).getTime();
  return { ...response, clockSkewMs: Number.isFinite(server) ? server - Date.now() : 0 };
}
