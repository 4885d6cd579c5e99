import "./production-env";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { prepareData, reportPrepare } from "./prepare-data";
import { serve } from "./serve";

// `npm start`: migrate + seed, build when the sources are newer than the build, then serve
// (scripts/serve.ts: the agent API and Next.js in this one process).

const root = process.cwd();
const nextBin = path.join(root, "node_modules", ".bin", "next");
const sourceDirs = ["app", "components", "lib", "public", "packages/sdk/src"];
const ignoredDirs = new Set([path.join(root, "lib", "db", "generated"), path.join(root, "node_modules")]);
const configFiles = ["next.config.mjs", "package.json", "package-lock.json", "tsconfig.json", "postcss.config.mjs", "proxy.ts", "middleware.ts", "instrumentation.ts"];

function newestMtime(target: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  if (ignoredDirs.has(target)) return 0;
  let newest = 0;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** Why a build is needed, or null when `.next` is current. */
function buildReason(): string | null {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!fs.existsSync(buildId)) return "no production build yet";
  const built = fs.statSync(buildId).mtimeMs;
  const newest = Math.max(...sourceDirs.map((d) => newestMtime(path.join(root, d))), ...configFiles.map((f) => newestMtime(path.join(root, f))));
  return newest > built ? "sources changed since the last build" : null;
}

async function main(): Promise<void> {
  const prepared = await prepareData();
  reportPrepare(prepared);
  if (prepared.demo) {
    // The demo MCP upstream, then a few realistic cards in the queue (lib/seed/demo-start.ts); tests never run this.
    const { seedDemoStart } = await import("@/lib/seed/demo-start");
    const { closeDb } = await import("@/lib/db/client");
    try {
      const { mcp, pending } = await seedDemoStart();
      if (mcp instanceof Error) console.error(`gatehouse: the demo MCP upstream could not be registered: ${mcp.message}`);
      else if (mcp) console.log("gatehouse: demo MCP upstream `helpdesk` registered; agents connect to /mcp/support/send");
      console.log(`gatehouse: ${pending} demo actions pending in the queue`);
    } finally {
      await closeDb();
    }
  }
  const reason = buildReason();
  if (reason) {
    console.log(`gatehouse: building (${reason}) — this takes a few minutes the first time`);
    const build = spawnSync(nextBin, ["build"], { stdio: "inherit" });
    if (build.status !== 0) {
      console.error("gatehouse: next build failed");
      process.exit(build.status ?? 1);
    }
  }
  await serve();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
