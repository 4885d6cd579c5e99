import path from "node:path";
import { spawnSync } from "node:child_process";

// `npm test`: every check the project has, in order, stopping at the first failure.

const bin = (name: string) => path.join(process.cwd(), "node_modules", ".bin", name);

const steps: { name: string; cmd: string; args: string[] }[] = [
  { name: "typecheck", cmd: bin("tsc"), args: ["--noEmit"] },
  { name: "lint", cmd: bin("eslint"), args: ["."] },
  { name: "unit and integration (vitest)", cmd: bin("vitest"), args: ["run"] },
  { name: "build (next build)", cmd: bin("next"), args: ["build"] },
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
  banner(`FAILED: ${step.name} (${why}); skipped: ${steps.slice(i + 1).map((s) => s.name).join(", ") || "nothing"}`);
  break;
}

banner("summary");
console.log(timings.join("\n"));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
