/**
 * The policy-as-code CLI, against a running Gatehouse with a human API token
 * (Console → Settings → API tokens; scopes policy:read, policy:write):
 *
 *   GATEHOUSE_URL=http://localhost:3000 GATEHOUSE_TOKEN=gh_tok_… npm run gatehouse -- policy export [--yaml] > bundle.json
 *   npm run gatehouse -- policy diff bundle.json      # the changed cells per route
 *   npm run gatehouse -- policy test bundle.json      # the bundle's policy tests; exit 1 when one fails
 *   npm run gatehouse -- policy apply bundle.json --reason "why"   # exit 0 applied, 2 pending a second admin, 1 refused/blocked
 *
 * Plain Node (no lib/ imports): it reads the file (JSON or YAML) and talks HTTP.
 */
import fs from "node:fs";
import { parse as parseYaml } from "yaml";

type Out = { log: (s: string) => void; err: (s: string) => void };

export async function main(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  out: Out = { log: (s) => console.log(s), err: (s) => console.error(s) },
): Promise<number> {
  const [group, cmd, ...rest] = argv;
  const base = (env.GATEHOUSE_URL ?? "http://localhost:3000").replace(/\/$/, "");
  const token = env.GATEHOUSE_TOKEN ?? "";
  const usage = () => {
    out.err("usage: gatehouse policy export [--yaml] | diff FILE | test FILE | apply FILE --reason TEXT   (env GATEHOUSE_URL, GATEHOUSE_TOKEN)");
    return 64;
  };
  if (group !== "policy" || !cmd) return usage();
  if (!token) {
    out.err("GATEHOUSE_TOKEN is not set: create an API token in the console (Settings → API tokens).");
    return 64;
  }
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let data: any = null;
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
    return { status: res.status, data };
  };
  const fail = (r: { status: number; data: any }) => {
    const e = r.data?.error;
    out.err(`error ${r.status}: ${e?.message ?? String(r.data).slice(0, 300)}`);
    for (const i of e?.issues ?? []) out.err(`  ${i.path}: ${i.message}`);
    for (const l of e?.lost ?? []) out.err(`  would undo: ${l}`);
    return 1;
  };

  if (cmd === "export") {
    const yaml = rest.includes("--yaml");
    const r = await call("GET", `/api/cli/policies/bundle${yaml ? "?format=yaml" : ""}`);
    if (r.status !== 200) return fail(r);
    out.log(yaml ? String(r.data) : JSON.stringify(r.data, null, 2));
    return 0;
  }

  const file = rest.find((a) => !a.startsWith("--"));
  if (!file) return usage();
  let bundle: unknown;
  try {
    bundle = parseYaml(fs.readFileSync(file, "utf8"), { maxAliasCount: 50 });
  } catch (e) {
    out.err(`cannot read ${file}: ${(e as Error).message.split("\n")[0]}`);
    return 1;
  }

  if (cmd === "diff") {
    const r = await call("POST", "/api/cli/policies/diff", { bundle });
    if (r.status !== 200) return fail(r);
    for (const d of r.data.routes) {
      const head = `${d.route} (bundle v${d.bundleVersion}, active v${d.activeVersion}${d.stale ? ", STALE: export again" : ""})`;
      if (!d.policyChanged && !d.testsAdded.length && !d.testsRemoved.length) {
        out.log(`${head}: no change`);
        continue;
      }
      out.log(`${head}:`);
      if (d.policyChanged && d.comparison.changes.length === 0) out.log("  no change in what the engine decides");
      for (const c of d.comparison.changes)
        out.log(`  ${c.effect === "widens" ? "Widens " : c.effect === "narrows" ? "Narrows" : "Neutral"}  ${c.text}${c.why ? `  (${c.why})` : ""}`);
      for (const t of d.testsAdded) out.log(`  + test ${t}`);
      for (const t of d.testsRemoved) out.log(`  - test ${t} (deleting a test needs a second admin)`);
    }
    return 0;
  }

  if (cmd === "test") {
    const r = await call("POST", "/api/cli/policies/test", { bundle });
    if (r.status !== 200) return fail(r);
    for (const route of r.data.routes) {
      for (const i of route.issues) out.log(`FAIL ${route.route}: ${i.path}: ${i.message}`);
      for (const x of route.results) out.log(`${x.ok ? "ok  " : "FAIL"} ${x.message}`);
    }
    out.log(r.data.ok ? "all policy tests pass" : "policy tests fail");
    return r.data.ok ? 0 : 1;
  }

  if (cmd === "apply") {
    const i = rest.indexOf("--reason");
    const reason = i >= 0 ? (rest[i + 1] ?? "") : "";
    if (!reason.trim()) {
      out.err("apply needs --reason TEXT (kept in the version history and the audit log).");
      return 64;
    }
    const r = await call("POST", "/api/cli/policies/apply", { bundle, reason });
    if (![200, 202, 409].includes(r.status) || !r.data?.routes) return fail(r);
    let code = 0;
    for (const x of r.data.routes) {
      const p = x.policy;
      if (p) {
        const what = p.status === "active" ? "applied" : p.status === "pending" ? "pending until a second admin approves it in the console" : "blocked by a policy test";
        out.log(`${x.route}: v${p.version} ${what}`);
        for (const c of p.comparison.changes) out.log(`  ${c.text}`);
        for (const f of p.failing) out.log(`  FAIL ${f.message}`);
        if (p.status === "blocked") code = 1;
        else if (p.status === "pending" && code === 0) code = 2;
      }
      if (x.notApplied === "bundle_blocked") out.log(`${x.route}: not applied (the bundle applies all or nothing, and a route is blocked)`);
      for (const t of x.testsAdded) out.log(`${x.route}: + test ${t}`);
      for (const t of x.testDeletionsRequested) out.log(`${x.route}: deletion of test ${t} requested (a second admin approves it in the console)`);
    }
    return code;
  }
  return usage();
}

if (process.argv[1] && /gatehouse\.ts$/.test(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(String((e as Error)?.message ?? e));
      process.exit(1);
    },
  );
}
