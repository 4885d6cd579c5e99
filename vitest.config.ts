import { defineConfig } from "vitest/config";
import path from "node:path";

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
    include: ["test/**/*.test.ts"],
    // Run by scripts/test-postgres.sh (vitest.postgres.config.ts) against a real server.
    exclude: ["test/postgres-only/**", "**/node_modules/**"],
    environment: "node",
    globalSetup: ["test/support/global-setup.ts"],
    // Fails any test that opens a connection to a non-loopback address (and turns off the frameworks' telemetry).
    setupFiles: ["test/support/network-guard.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
