import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawn } from "node:child_process";
import { tsxNodeArgs } from "../../scripts/tsx-node-args";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_AGENTS, DEMO_USERS } from "@/lib/seed/demo-data";
import { freePort } from "./console-server";

// Threat: a database seeded in development (public demo passwords, public demo
// agent keys) is later started in production mode, which never seeds demo data
// but would happily serve what is there. The production start must refuse it,
// naming what it found. Real processes: `scripts/prepare-data.ts` as `npm run dev`
// runs it, then `scripts/start.ts` as `npm start` runs it.

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const secrets = { GATEHOUSE_SESSION_SECRET: crypto.randomBytes(32).toString("base64url"), GATEHOUSE_AT_REST_KEY: crypto.randomBytes(32).toString("base64") };

type Outcome = { code: number | null; output: string; passedPrepare: boolean };

/**
 * Run a script as its own process group. Resolves when it exits, or — once it
 * prints `until` — kills the whole group (start.ts would go on to build and serve).
 */
async function run(script: string, env: Record<string, string>, until?: RegExp): Promise<Outcome> {
  const child = spawn(process.execPath, [...tsxNodeArgs, path.join(process.cwd(), "scripts", script)], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "development", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  let passedPrepare = false;
  return new Promise<Outcome>((resolve) => {
    const kill = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(kill, 90_000);
    const onData = (c: Buffer) => {
      output += c.toString();
      if (until && !passedPrepare && until.test(output)) {
        passedPrepare = true;
        kill();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output, passedPrepare });
    });
  });
}

function dataDir(): string {
  const d = fs.mkdtempSync(path.join(process.env.GATEHOUSE_TEST_ROOT ?? os.tmpdir(), "prod-demo-"));
  dirs.push(d);
  return d;
}

const devEnv = (dir: string) => ({ NODE_ENV: "development", GATEHOUSE_DATA_DIR: dir });
const prodEnv = async (dir: string) => ({ NODE_ENV: "production", GATEHOUSE_PRODUCTION: "1", GATEHOUSE_DATA_DIR: dir, PORT: String(await freePort()), ...secrets });
/** start.ts got past preparing the data (it prints this before building or serving). */
const PAST_PREPARE = /production mode \(no demo data\)/;

describe("a production start refuses demo data it did not create", () => {
  it("a database seeded in development: `npm start` in production mode exits non-zero, naming every demo account and agent key", async () => {
    const dir = dataDir();
    const dev = await run("prepare-data.ts", devEnv(dir));
    expect(dev.code, dev.output).toBe(0);
    expect(dev.output).toContain("DEMO ONLY");

    const prod = await run("start.ts", await prodEnv(dir), PAST_PREPARE);
    expect(prod.passedPrepare, prod.output).toBe(false);
    expect(prod.code, prod.output).not.toBe(0);
    expect(prod.output).toMatch(/refus/i);
    for (const u of DEMO_USERS) expect(prod.output).toContain(u.email);
    for (const a of DEMO_AGENTS) expect(prod.output).toContain(a.name);
    // It names them; it never prints the public secrets again.
    for (const a of DEMO_AGENTS) expect(prod.output).not.toContain(a.key);
    // The local-callback demo agent (loopback allowlist, public callback secret) is one of them.
    expect(prod.output).toContain("acme-dev-callbacks");
    for (const a of DEMO_AGENTS) if (a.callbackSecret) expect(prod.output).not.toContain(a.callbackSecret);
    for (const u of DEMO_USERS) expect(prod.output).not.toContain(u.password);
  }, 180_000);

  it("once the demo users are disabled and the demo keys revoked, the production start goes on", async () => {
    const dir = dataDir();
    expect((await run("prepare-data.ts", devEnv(dir))).code).toBe(0);
    const file = new Database(path.join(dir, "gatehouse.db"));
    file.prepare(`UPDATE "User" SET disabled = 1 WHERE email IN (${DEMO_USERS.map(() => "?").join(",")})`).run(...DEMO_USERS.map((u) => u.email));
    file.prepare(`UPDATE "AgentCredential" SET revokedAt = ? WHERE name IN (${DEMO_AGENTS.map(() => "?").join(",")})`).run(Date.now(), ...DEMO_AGENTS.map((a) => a.name));
    file.close();
    const prod = await run("start.ts", await prodEnv(dir), PAST_PREPARE);
    expect(prod.passedPrepare, prod.output).toBe(true);
  }, 180_000);

  it("a fresh database starts in production mode (the check finds nothing)", async () => {
    const prod = await run("start.ts", await prodEnv(dataDir()), PAST_PREPARE);
    expect(prod.passedPrepare, prod.output).toBe(true);
  }, 180_000);
});
