import { defineConfig, devices } from "@playwright/test";
import { E2E_BASE_URL, E2E_IDP_URL } from "./e2e/support/constants";

const onCi = Boolean(process.env.CI);

/**
 * E2E against the real production build (`next build` first; `npm test` does
 * it), served from a fresh temp data dir by e2e/support/serve.ts. Chromium is
 * the system one; Playwright's own browsers are never downloaded.
 */
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  retries: onCi ? 1 : 0,
  forbidOnly: onCi,
  reporter: "list",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: E2E_BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    {
      name: "setup",
      testMatch: /.*\.setup\.ts$/,
      use: { ...chromium() },
    },
    {
      name: "chromium",
      testMatch: /.*\.spec\.ts$/,
      testIgnore: /sign-in-lockout\.spec\.ts$/,
      dependencies: ["setup"],
      use: { ...chromium() },
    },
    {
      // Locks an account out for a minute, so it runs after everything else.
      name: "lockout",
      testMatch: /sign-in-lockout\.spec\.ts$/,
      dependencies: ["chromium"],
      use: { ...chromium() },
    },
  ],
  webServer: [
    {
      command: "node_modules/.bin/tsx e2e/support/test-idp.ts",
      url: `${E2E_IDP_URL}/.well-known/openid-configuration`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: "node_modules/.bin/tsx --import ./scripts/register-server-only.mjs e2e/support/serve.ts",
      url: `${E2E_BASE_URL}/api/health`,
      timeout: 120_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    },
  ],
});

function chromium() {
  return {
    ...devices["Desktop Chrome"],
    headless: true,
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage"],
    },
  };
}
