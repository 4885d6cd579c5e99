import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { E2E_BASE_URL } from "./constants";
import { tsxCliArgs } from "../../scripts/tsx-node-args";

/** The route the expiry test proposes on: pending actions live three seconds. */
export const SHORT_TTL_ROUTE = "e2e/short-ttl";

/**
 * The running e2e server's data dir, read from the environment of the
 * server process serve.ts spawned for this port (each run has its own
 * temp dir, and other runs' dirs may still exist).
 */
export function e2eDataDir(): string {
  for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    let environ: string;
    try {
      environ = fs.readFileSync(`/proc/${pid}/environ`, "utf8");
    } catch {
      continue;
    }
    const vars = new Map(environ.split("\0").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    const dir = vars.get("GATEHOUSE_DATA_DIR");
    if (vars.get("GATEHOUSE_URL") === E2E_BASE_URL && dir && fs.existsSync(path.join(dir, "gatehouse.db"))) return dir;
  }
  throw new Error("no e2e data dir found; is the e2e server running?");
}

/**
 * Create (once) a route with a 3-second pending TTL and an agent credential
 * for it, directly through lib/ against the e2e database, in a child process
 * so this test worker never opens the database itself. Returns the agent key.
 */
export function shortTtlAgentKey(): string {
  const out = execFileSync(path.join(process.cwd(), "node_modules", ".bin", "tsx"), [...tsxCliArgs, "e2e/support/make-short-ttl-route.ts"], {
    env: { ...process.env, GATEHOUSE_DATA_DIR: e2eDataDir(), DATABASE_URL: "" },
    encoding: "utf8",
  });
  const line = out.trim().split("\n").pop() ?? "";
  return (JSON.parse(line) as { key: string }).key;
}

/**
 * Restore `email` as an enabled admin with `password` through the host-side
 * bootstrap (scripts/bootstrap-admin.ts), as an operator would: the console's
 * grant flow cannot, when the only other admin asked for it.
 */
export function bootstrapAdmin(email: string, password: string): void {
  const { DATABASE_URL: _url, ...rest } = process.env;
  execFileSync(path.join(process.cwd(), "node_modules", ".bin", "tsx"), [...tsxCliArgs, "scripts/bootstrap-admin.ts", email], {
    env: { ...rest, GATEHOUSE_DATA_DIR: e2eDataDir(), GATEHOUSE_ADMIN_PASSWORD: password },
    encoding: "utf8",
  });
}
