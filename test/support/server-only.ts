// Vitest stands in for the server runtime; the real "server-only" marker throws outside it.
export {};
