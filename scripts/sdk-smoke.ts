import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";

// `npm test` step: the SDK as a stranger gets it. `npm pack` the workspace package, install the
// tarball into a scratch project outside the repo (mktemp -d), type-check a consumer file against
// the published .d.ts and exports map, then run README's quick start from there — the tool service
// and the agent, plain `node`, no tsx, no path alias — against `npm start` on a fresh demo data dir.
// A reviewer signs in and approves through the console API, as a person would in the browser.
// The adapters: the three subpaths type-check with their frameworks installed beside the tarball, and
// README's LangGraph quick start runs from there too (interrupt while pending, resume after the vote).

const root = process.cwd();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-sdk-"));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-sdk-data-"));
const children: ChildProcess[] = [];

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, npm_config_audit: "false", npm_config_fund: "false" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Spawn a child whose output is kept; resolves when a line matches `ready`. */
function start(name: string, cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; ready?: RegExp; timeoutMs?: number }) {
  // Own process group, so npm start and the servers under it stop together.
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  children.push(child);
  let out = "";
  const exited = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready in ${opts.timeoutMs ?? 120_000} ms:\n${out}`)), opts.timeoutMs ?? 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (opts.ready?.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      if (!opts.ready) resolve(out);
      else reject(new Error(`${name} exited (${code}) before it was ready:\n${out}`));
    });
  });
  return { child, ready, exited, output: () => out };
}

async function signIn(base: string, email: string, password: string): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const i = pair!.indexOf("=");
      jar.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim());
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrfRes = await fetch(`${base}/api/auth/csrf`);
  keep(csrfRes);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie() },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  keep(res);
  if (![...jar.keys()].some((k) => k.includes("session-token"))) throw new Error(`sign-in as ${email} failed: ${res.status}`);
  return cookie();
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const lap = (what: string) => console.log(`sdk-smoke: ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

  // 1. Pack (prepack builds with tsup) and install outside the repo.
  // The build first, then the pack without scripts: with a terminal's colours off (CI) the builder's log
  // carries "[" of its own, so only npm's JSON may be on the pack's stdout.
  run("npm", ["run", "prepack", "--workspace", "packages/sdk"], root);
  const packed = run("npm", ["pack", "--workspace", "packages/sdk", "--pack-destination", scratch, "--json", "--ignore-scripts"], root);
  const tarball = path.join(scratch, (JSON.parse(packed.slice(Math.max(0, packed.search(/^\[/m)))) as { filename: string }[])[0]!.filename);
  lap(`packed ${path.basename(tarball)} (${fs.statSync(tarball).size} bytes)`);
  fs.writeFileSync(path.join(scratch, "package.json"), JSON.stringify({ name: "sdk-smoke", private: true, type: "module" }));
  // The frameworks are optional peers: a consumer of an adapter installs its framework beside the SDK
  // (the versions the repo's adapter tests run against, from the npm cache when it has them).
  const dev = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { devDependencies: Record<string, string>; dependencies: Record<string, string> };
  const frameworks = ["@openai/agents", "ai", "@langchain/langgraph", "@langchain/core"].map((p) => `${p}@${dev.devDependencies[p]}`);
  run("npm", ["install", "--prefer-offline", "--no-package-lock", tarball, ...frameworks, `zod@${dev.dependencies.zod}`], scratch);
  for (const f of ["agent.mjs", "tool-service.mjs", "types-check.ts", "adapters-check.ts", "langgraph-agent.mjs"])
    fs.copyFileSync(path.join(root, "examples", "quickstart", f), path.join(scratch, f));
  if (fs.existsSync(path.join(scratch, "node_modules", "@gatehouse-dev", "sdk", "src"))) throw new Error("the tarball ships src/: only dist/ belongs in it");
  lap("installed into " + scratch);

  // 2. The published types, resolved as a NodeNext consumer resolves them.
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  run(
    process.execPath,
    [
      tsc,
      "--noEmit",
      "--strict",
      "--skipLibCheck",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--types",
      "node",
      "--typeRoots",
      path.join(root, "node_modules", "@types"),
      "types-check.ts",
      "adapters-check.ts",
    ],
    scratch,
  );
  lap("types-check.ts and adapters-check.ts (the three adapter subpaths) compile against the installed .d.ts");

  // 3. Gatehouse as `npm start` runs it, on a fresh demo data dir.
  const port = Number(process.env.GATEHOUSE_SMOKE_PORT ?? (await freePort()));
  const base = `http://127.0.0.1:${port}`;
  const serverEnv: NodeJS.ProcessEnv = { ...process.env, GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_URL: base, PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" };
  delete serverEnv.GATEHOUSE_PRODUCTION;
  delete serverEnv.GATEHOUSE_DEMO;
  const server = start("npm start", "npm", ["start"], { cwd: root, env: serverEnv, ready: /gatehouse: serving on/, timeoutMs: 600_000 });
  const startOut = await server.ready;
  const key = /acme-support\s+acme\/prod[^\n]*\n\|?\s*(gh_\S+)/.exec(startOut)?.[1];
  if (!key) throw new Error(`no acme-support key in the demo notice:\n${startOut}`);
  await waitFor(`${base}/.well-known/jwks.json`);
  lap(`gatehouse up on ${base}`);

  // 4. README's tool service and agent, from the scratch dir.
  const toolPort = await freePort();
  const toolUrl = `http://127.0.0.1:${toolPort}`;
  const quickEnv = { ...process.env, GATEHOUSE_URL: base, TOOL_PORT: String(toolPort), TOOL_TENANT: "acme", TOOL_ENV: "prod", TOOL_URL: toolUrl, AGENT_KEY: key, WAIT_MS: "60000" };
  const tool = start("tool-service.mjs", process.execPath, ["tool-service.mjs"], { cwd: scratch, env: quickEnv, ready: /tool service on/ });
  await tool.ready;
  const agent = start("agent.mjs", process.execPath, ["agent.mjs"], { cwd: scratch, env: quickEnv, ready: /action \S+: pending/, timeoutMs: 60_000 });
  const agentOut = await agent.ready;
  const actionId = /action (\S+): pending/.exec(agentOut)![1]!;
  lap(`agent proposed ${actionId}, pending`);

  const cookie = await signIn(base, "reviewer@gatehouse.local", "reviewer-demo");
  const approve = async (id: string) => {
    const vote = await fetch(`${base}/api/console/actions/${id}/vote`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-gatehouse-console": "1", origin: base, cookie },
      body: JSON.stringify({ vote: "approve", time_on_card_ms: 5000 }),
    });
    if (vote.status !== 200) throw new Error(`vote: ${vote.status} ${await vote.text()}`);
  };
  await approve(actionId);
  const code = await agent.exited;
  if (code !== 0 || !/tool answered 200 .*"status":"closed"/.test(agent.output()))
    throw new Error(`the agent failed (${code}):\n${agent.output()}\n--- tool service:\n${tool.output()}`);
  lap("approved; the agent redeemed its token at the tool service: " + /tool answered .*/.exec(agent.output())![0]);

  // 5. The same token again is refused by the tool service (single use, through the installed SDK).
  const again = await fetch(`${toolUrl}/tools/ticket.close`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer not.a.token" }, body: "{}" });
  if (again.status !== 403) throw new Error(`a malformed token got ${again.status}, not 403`);

  // 6. README's LangGraph quick start from the scratch dir: the graph interrupts while pending, resumes on the approval.
  const lgEnv = { ...quickEnv, OPENAI_AGENTS_DISABLE_TRACING: "1", LANGSMITH_TRACING: "false" };
  const lg = start("langgraph-agent.mjs", process.execPath, ["langgraph-agent.mjs", "T-18422"], { cwd: scratch, env: lgEnv, ready: /action \S+: pending/, timeoutMs: 60_000 });
  const lgId = /action (\S+): pending/.exec(await lg.ready)![1]!;
  await approve(lgId);
  const lgCode = await lg.exited;
  if (lgCode !== 0 || !/tool answered 200 .*"status":"closed"/.test(lg.output()))
    throw new Error(`the LangGraph agent failed (${lgCode}):\n${lg.output()}\n--- tool service:\n${tool.output()}`);
  lap("LangGraph agent: interrupted, approved in the console, resumed, " + /tool answered .*/.exec(lg.output())![0]);
  lap("done");
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} never answered`);
}

function cleanup(): void {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(-c.pid, "SIGTERM");
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main()
  .then(() => {
    cleanup();
    process.exit(0);
  })
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    cleanup();
    process.exit(1);
  });
