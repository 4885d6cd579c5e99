import { defineConfig } from "vitest/config";
import path from "node:path";

/**
 * The PostgreSQL-only tests (migrator locking, LISTEN/NOTIFY, several
 * instances). scripts/test-postgres.sh runs them against its throwaway
 * cluster; the default suite (vitest.config.ts) excludes test/postgres-only.
 */
export default defineConfig({
  resolve: {
    alias: [
      // The SDK workspace package from its source (its build in dist/ is what npm pack ships).
      { find: /^@gatehouse-dev\/sdk$/, replacement: path.resolve(import.meta.dirname, "packages/sdk/src/index.ts") },
      { find: /^@gatehouse-dev\/sdk\/(edge|policy|openai-agents|ai|langgraph)$/, replacement: path.resolve(import.meta.dirname, "packages/sdk/src/$1") },
      { find: "@", replacement: path.resolve(import.meta.dirname) },
      { find: "server-only", replacement: path.resolve(import.meta.dirname, "test/support/server-only.ts") },
    ],
  },
  test: {
    include: ["test/postgres-only/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/support/global-setup.ts"],
    // Fails any test that opens a connection to a non-loopback address (and turns off the frameworks' telemetry).
    setupFiles: ["test/support/network-guard.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // The multi-instance test starts its own processes; keep files one at a time so timings are honest.
    fileParallelism: false,
  },
});
