import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { tsxNodeArgs } from "../../scripts/tsx-node-args";
import { BENCH_ONLY_ACK, parseEnv } from "@/lib/env";

// Threat: the benchmark's upper-bound switch (audit rows appended with no chain head, so nothing
// links them) reaching a real deployment. lib/env must refuse it in production, on SQLite and
// without the bench-only acknowledgement; `npm start` in production mode must not get past it.

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = fs.mkdtempSync(path.join(process.env.GATEHOUSE_TEST_ROOT ?? os.tmpdir(), "bench-switch-"));
  dirs.push(d);
  return d;
}

const secrets = { GATEHOUSE_SESSION_SECRET: crypto.randomBytes(32).toString("base64url"), GATEHOUSE_AT_REST_KEY: crypto.randomBytes(32).toString("base64") };
const PG_URL = "postgres://gatehouse@127.0.0.1:1/gatehouse";
const on = { GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD: "1", GATEHOUSE_BENCH_ONLY: BENCH_ONLY_ACK };

describe("the bench-only no-chain-head switch", () => {
  it("is off unless asked for, and on only with the acknowledgement, on PostgreSQL, outside production", () => {
    const dir = dataDir();
    expect(parseEnv({ NODE_ENV: "test", GATEHOUSE_DATA_DIR: dir, DATABASE_URL: PG_URL }).benchAuditNoChainHead).toBe(false);
    expect(parseEnv({ NODE_ENV: "test", GATEHOUSE_DATA_DIR: dir, DATABASE_URL: PG_URL, ...on }).benchAuditNoChainHead).toBe(true);
    expect(parseEnv({ NODE_ENV: "test", GATEHOUSE_DATA_DIR: dir, DATABASE_URL: PG_URL, ...on, GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD: "0" }).benchAuditNoChainHead).toBe(false);
  });

  it("is refused in production (either way of saying it), without the exact acknowledgement, and on SQLite", () => {
    const dir = dataDir();
    const refused = /GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD/;
    const pgProd = { NODE_ENV: "production", GATEHOUSE_DATA_DIR: dir, DATABASE_URL: PG_URL, GATEHOUSE_DEMO: "0", ...secrets } as const;
    expect(() => parseEnv({ ...pgProd, ...on })).toThrow(refused);
    expect(() => parseEnv({ NODE_ENV: "test", GATEHOUSE_PRODUCTION: "1", GATEHOUSE_DEMO: "0", GATEHOUSE_DATA_DIR: dir, DATABASE_URL: PG_URL, ...secrets, ...on })).toThrow(refused);
    // NODE_ENV=production on SQLite is not "production mode", but the switch is refused there too.
    expect(() => parseEnv({ NODE_ENV: "production", GATEHOUSE_DATA_DIR: dir, ...on })).toThrow(refused);
    expect(() => parseEnv({ NODE_ENV: "test", GATEHOUSE_DATA_DIR: dir, DATABASE_URL: PG_URL, GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD: "1" })).toThrow(refused);
    expect(() => parseEnv({ NODE_ENV: "test", GATEHOUSE_DATA_DIR: dir, DATABASE_URL: PG_URL, ...on, GATEHOUSE_BENCH_ONLY: "1" })).toThrow(refused);
    expect(() => parseEnv({ NODE_ENV: "test", GATEHOUSE_DATA_DIR: dir, ...on })).toThrow(refused);
    expect(() => parseEnv({ NODE_ENV: "test", GATEHOUSE_DATA_DIR: dir, DATABASE_URL: PG_URL, ...on, GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD: "true" })).toThrow(
      /GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD/,
    );
  });

  it("`npm start` in production mode with the switch and its acknowledgement exits non-zero before serving, naming it", async () => {
    const child = spawn(process.execPath, [...tsxNodeArgs, path.join(process.cwd(), "scripts", "start.ts")], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", GATEHOUSE_DATA_DIR: dataDir(), DATABASE_URL: PG_URL, ...secrets, ...on },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    clearTimeout(timer);
    expect(code, output).not.toBe(0);
    expect(code, output).not.toBeNull();
    expect(output).toMatch(/GATEHOUSE_BENCH_AUDIT_NO_CHAIN_HEAD: a benchmark-only switch/);
    expect(output).not.toMatch(/listening|Ready on/i);
  }, 120_000);
});
