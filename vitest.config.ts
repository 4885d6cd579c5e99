import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname), "server-only": path.resolve(import.meta.dirname, "test/support/server-only.ts") } },
  test: {
    include: ["test/**/*.test.ts"],
    // Run by scripts/test-postgres.sh (vitest.postgres.config.ts) against a real server.
    exclude: ["test/postgres-only/**", "**/node_modules/**"],
    environment: "node",
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
