import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { assertLocalDatabase } from "./assert-local-database";
import { E2E_IDP_URL, E2E_OIDC_CLIENT, E2E_PORT } from "./constants";
import { tsxNodeArgs } from "../../scripts/tsx-node-args";

// Playwright's web server: a fresh temp data dir, migrated and demo-seeded, served as
// `npm start` serves it (scripts/serve.ts: the agent API beside Next.js, one process).
// The server is a child process so its environment (GATEHOUSE_DATA_DIR) is visible in
// /proc to e2e/support/short-ttl-agent.ts.

const root = process.cwd();
if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) {
  console.error("e2e needs a production build: run `npm run build` first (`npm test` does it for you).");
  process.exit(1);
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-e2e-"));
const removeDataDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
const baseUrl = `http://127.0.0.1:${E2E_PORT}`;

try {
  assertLocalDatabase(process.env.DATABASE_URL, dataDir);
} catch (err) {
  console.error((err as Error).message);
  removeDataDir();
  process.exit(1);
}

Object.assign(process.env, {
  GATEHOUSE_DATA_DIR: dataDir,
  GATEHOUSE_URL: baseUrl,
  PORT: String(E2E_PORT),
  // The test IdP (e2e/support/test-idp.ts, Playwright's other web server).
  OIDC_ISSUER: E2E_IDP_URL,
  OIDC_CLIENT_ID: E2E_OIDC_CLIENT.id,
  OIDC_CLIENT_SECRET: E2E_OIDC_CLIENT.secret,
  OIDC_NAME: "Test IdP",
  OIDC_SCOPES: "openid email profile groups",
});
delete process.env.GATEHOUSE_PRODUCTION;
delete process.env.GATEHOUSE_DEMO;

// Imported after the environment is set: env() is parsed on first use.
const { prepareData } = await import("../../scripts/prepare-data");
const prepared = await prepareData();
if (!prepared.demo) {
  console.error("e2e needs demo data, but the demo seed did not run");
  process.exit(1);
}

const server = spawn(process.execPath, [...tsxNodeArgs, path.join(root, "scripts", "serve.ts")], {
  stdio: "inherit",
  env: process.env,
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => server.kill(signal));
}
server.on("exit", (code) => {
  removeDataDir();
  process.exit(code ?? 0);
});
