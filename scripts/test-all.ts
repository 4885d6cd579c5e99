import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";

// `npm test`: every check the project has, in order, stopping at the first failure.
// First a preflight: what a fresh machine may lack is reported in the first lines,
// each with the command that installs it, instead of failing minutes into the run.

const root = process.cwd();
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
const CHROMIUM = "/usr/bin/chromium";
const sudo = process.getuid?.() === 0 ? "" : "sudo ";

/** One line per missing prerequisite: what is missing, and the command that installs it. */
function missingPrerequisites(): { what: string; fix: string }[] {
  const missing: { what: string; fix: string }[] = [];
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19))
    missing.push({ what: `Node.js >= 20.19 (this is ${process.versions.node})`, fix: "install Node.js 20.19 or newer (CEL, @redocly/cli 2)" });
  const tools = ["tsc", "eslint", "prettier", "vitest", "next", "playwright"].filter((t) => !fs.existsSync(bin(t)));
  if (tools.length > 0) missing.push({ what: `node_modules/.bin/{${tools.join(",")}}`, fix: "npm ci" });
  else {
    const sqlite = spawnSync(process.execPath, ["-e", "new (require('better-sqlite3'))(':memory:').close()"], { cwd: root, encoding: "utf8" });
    if (sqlite.status !== 0) missing.push({ what: "a loadable better-sqlite3 native binding", fix: "npm rebuild better-sqlite3" });
  }
  for (const provider of ["sqlite", "postgres"]) {
    if (!fs.existsSync(path.join(root, "lib", "db", "generated", provider, "client.ts"))) {
      missing.push({ what: `the generated Prisma client lib/db/generated/${provider}`, fix: "npx tsx scripts/generate-clients.ts" });
    }
  }
  if (!isExecutable(CHROMIUM)) missing.push({ what: `${CHROMIUM} (the e2e step's browser)`, fix: `${sudo}apt-get update && ${sudo}apt-get install -y chromium` });
  return missing;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const missing = missingPrerequisites();
if (missing.length > 0) {
  console.error("npm test: this machine lacks what the tests need; nothing was run.");
  for (const m of missing) console.error(`  missing: ${m.what}\n    install: ${m.fix}`);
  process.exit(1);
}

// `together`: the static checks read the tree and write nothing, each on one core, so they run at once
// (their output is printed whole, in order, when all have ended); everything after runs alone.
type Step = { name: string; cmd: string; args: string[]; together?: true };
const steps: Step[] = [
  { name: "typecheck", cmd: bin("tsc"), args: ["--noEmit"], together: true },
  { name: "lint", cmd: bin("eslint"), args: ["."], together: true },
  { name: "format (prettier --check)", cmd: bin("prettier"), args: ["--check", "."], together: true },
  {
    name: "OpenAPI (redocly lint, openapi-typescript types current)",
    cmd: process.execPath,
    args: ["--import", "tsx", "--import", "./scripts/register-server-only.mjs", "scripts/openapi-lint.ts"],
    together: true,
  },
  // The build comes before vitest: the console security tests run against the real production server.
  { name: "build (next build)", cmd: bin("next"), args: ["build"] },
  // The SDK packed, installed outside the repo and run as README's quick start against `npm start` (uses the build).
  { name: "SDK from its tarball (npm pack, scratch install, quick start)", cmd: process.execPath, args: ["--import", "tsx", "scripts/sdk-smoke.ts"] },
  { name: "unit and integration (vitest)", cmd: bin("vitest"), args: ["run"] },
  { name: "e2e (playwright, chromium)", cmd: bin("playwright"), args: ["test"] },
];

function banner(text: string): void {
  const bar = "-".repeat(Math.max(60, ...text.split("\n").map((l) => l.length + 4)));
  console.log(`\n${bar}\n  ${text}\n${bar}`);
}

type Outcome = { status: number | null; signal: NodeJS.Signals | null; error?: Error; seconds: string; output?: string };
const title = (i: number, step: Step) => `[${i + 1}/${steps.length}] ${step.name}: ${path.basename(step.cmd)} ${step.args.join(" ")}`;

/** One step with its output captured (stdout and stderr interleaved as written). */
function runCaptured(step: Step): Promise<Outcome> {
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const child = spawn(step.cmd, step.args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => chunks.push(c));
    const done = (o: Omit<Outcome, "seconds" | "output">) => resolve({ ...o, seconds: ((Date.now() - started) / 1000).toFixed(1), output: Buffer.concat(chunks).toString("utf8") });
    child.on("error", (error) => done({ status: null, signal: null, error }));
    child.on("close", (status, signal) => done({ status, signal }));
  });
}

let passed = 0;
let failed = 0;
const timings: string[] = [];
for (let i = 0; i < steps.length;) {
  // A run of `together` steps starts at once; a lone step runs with the terminal.
  let j = i + 1;
  if (steps[i]!.together) while (j < steps.length && steps[j]!.together) j++;
  const group = steps.slice(i, j);
  let outcomes: Outcome[];
  if (group.length > 1) {
    banner(`${group.map((s, k) => title(i + k, s)).join("\n  ")}\n  (at once; each one's output follows when all have ended)`);
    outcomes = await Promise.all(group.map(runCaptured));
  } else {
    banner(title(i, group[0]!));
    const started = Date.now();
    const r = spawnSync(group[0]!.cmd, group[0]!.args, { stdio: "inherit" });
    outcomes = [{ status: r.status, signal: r.signal, error: r.error, seconds: ((Date.now() - started) / 1000).toFixed(1) }];
  }
  const failedHere: string[] = [];
  for (const [k, o] of outcomes.entries()) {
    const step = group[k]!;
    if (o.output !== undefined) {
      banner(`${title(i + k, step)}: ${o.status === 0 ? "passed" : "FAILED"} in ${o.seconds}s`);
      process.stdout.write(o.output);
    }
    timings.push(`  ${step.name}: ${o.seconds}s`);
    if (o.status === 0) passed++;
    else {
      failed++;
      failedHere.push(`${step.name} (${o.error ? o.error.message : o.signal ? `killed by ${o.signal}` : `exit code ${o.status}`})`);
    }
  }
  if (failedHere.length > 0) {
    banner(
      `FAILED: ${failedHere.join(", ")}; skipped: ${
        steps
          .slice(j)
          .map((s) => s.name)
          .join(", ") || "nothing"
      }`,
    );
    break;
  }
  i = j;
}

banner("summary");
console.log(timings.join("\n"));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
