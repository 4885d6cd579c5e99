import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";

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

const steps: { name: string; cmd: string; args: string[] }[] = [
  { name: "typecheck", cmd: bin("tsc"), args: ["--noEmit"] },
  { name: "lint", cmd: bin("eslint"), args: ["."] },
  { name: "format (prettier --check)", cmd: bin("prettier"), args: ["--check", "."] },
  {
    name: "OpenAPI (redocly lint, openapi-typescript types current)",
    cmd: process.execPath,
    args: ["--import", "tsx", "--import", "./scripts/register-server-only.mjs", "scripts/openapi-lint.ts"],
  },
  // The build comes before vitest: the console security tests run against the real production server.
  { name: "build (next build)", cmd: bin("next"), args: ["build"] },
  // The SDK packed, installed outside the repo and run as README's quick start against `npm start` (uses the build).
  { name: "SDK from its tarball (npm pack, scratch install, quick start)", cmd: process.execPath, args: ["--import", "tsx", "scripts/sdk-smoke.ts"] },
  { name: "unit and integration (vitest)", cmd: bin("vitest"), args: ["run"] },
  { name: "e2e (playwright, chromium)", cmd: bin("playwright"), args: ["test"] },
];

function banner(text: string): void {
  const bar = "-".repeat(Math.max(60, text.length + 4));
  console.log(`\n${bar}\n  ${text}\n${bar}`);
}

let passed = 0;
let failed = 0;
const timings: string[] = [];
for (const [i, step] of steps.entries()) {
  banner(`[${i + 1}/${steps.length}] ${step.name}: ${path.basename(step.cmd)} ${step.args.join(" ")}`);
  const started = Date.now();
  const result = spawnSync(step.cmd, step.args, { stdio: "inherit" });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  timings.push(`  ${step.name}: ${seconds}s`);
  if (result.status === 0) {
    passed++;
    continue;
  }
  failed++;
  const why = result.error ? result.error.message : result.signal ? `killed by ${result.signal}` : `exit code ${result.status}`;
  banner(
    `FAILED: ${step.name} (${why}); skipped: ${
      steps
        .slice(i + 1)
        .map((s) => s.name)
        .join(", ") || "nothing"
    }`,
  );
  break;
}

banner("summary");
console.log(timings.join("\n"));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
