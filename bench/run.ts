/**
 * `npm run bench [-- --quick] [-- --only=P1,P5]`: every benchmark side by side
 * with its baseline in the same run (the machine is shared, so goals are
 * ratios where possible). Prints a table and writes bench/results/latest.json
 * and latest.md plus a timestamped copy of each.
 */
import fs from "node:fs";
import path from "node:path";
import { machine, type BenchResult } from "./stats";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const only = argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");

type Bench = { id: string; run: (quick: boolean) => Promise<BenchResult | BenchResult[]> };

const benches: Bench[] = [
  { id: "P1", run: async (q) => (await import("./p1-decision")).benchDecision(q) },
  { id: "P2", run: async (q) => (await import("./p2-p3-http")).benchAgentApi(q) },
  { id: "P4", run: async (q) => (await import("./p4-long-poll")).benchLongPoll(q) },
  { id: "P5", run: async (q) => (await import("./p5-tokens")).benchTokens(q) },
  { id: "P6", run: async (q) => (await import("./p6-audit")).benchAudit(q) },
  { id: "P7", run: async (q) => (await import("./p7-console")).benchConsole(q) },
  { id: "H", run: async (q) => (await import("./p8-hot-path")).benchHotPath(q) },
  { id: "PG", run: async (q) => (await import("./p9-postgres")).benchPostgres(q) },
  { id: "P10", run: async (q) => (await import("./p10-mcp-gateway")).benchMcpGateway(q) },
];

async function main() {
  const started = Date.now();
  const results: BenchResult[] = [];
  for (const b of benches) {
    if (only && !only.includes(b.id) && !(b.id === "P2" && only.includes("P3"))) continue;
    process.stdout.write(`\n${b.id}…\n`);
    try {
      const r = await b.run(quick);
      for (const x of Array.isArray(r) ? r : [r]) {
        results.push(x);
        console.log(toMarkdown(x));
      }
    } catch (err) {
      const failed: BenchResult = { id: b.id, title: "failed", skipped: `error: ${(err as Error).stack ?? String(err)}`, rows: [], goals: [], loadBefore: [] };
      results.push(failed);
      console.log(toMarkdown(failed));
    }
  }
  const report = { at: new Date().toISOString(), quick, seconds: Math.round((Date.now() - started) / 1000), machine: machine(), results };
  const dir = path.join(import.meta.dirname, "results");
  fs.mkdirSync(dir, { recursive: true });
  const stamp = report.at.replace(/[:.]/g, "-");
  const md = [`# Benchmark results ${report.at}${quick ? " (--quick)" : ""}`, "", machineLine(report.machine), "", ...results.map(toMarkdown)].join("\n");
  // A partial run (--only) must not overwrite the last complete results.
  const name = `${only ? "partial" : "latest"}${quick ? "-quick" : ""}`;
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(report, null, 2));
  fs.writeFileSync(path.join(dir, `${name}.md`), md);
  if (!quick && !only) fs.writeFileSync(path.join(dir, `${stamp}.md`), md);
  const goals = results.flatMap((r) => r.goals);
  console.log(`\n${machineLine(report.machine)}\n${goals.filter((g) => g.met).length}/${goals.length} goals met in ${report.seconds}s; results in bench/results/${name}.{json,md}`);
  process.exit(0);
}

function machineLine(m: ReturnType<typeof machine>): string {
  return `Machine: ${m.cores}× ${m.cpus}, ${m.memGb} GB, Node ${m.node}; load average at the end ${m.load.join(" / ")} (shared machine: other jobs were running).`;
}

function toMarkdown(r: BenchResult): string {
  const out = [`## ${r.id} — ${r.title}`, ""];
  if (r.skipped) return [...out, `Skipped: ${r.skipped}`, ""].join("\n");
  const cols = [...new Set(r.rows.flatMap((x) => Object.keys(x)))];
  if (cols.length) {
    out.push(`| ${cols.join(" | ")} |`, `| ${cols.map(() => "---").join(" | ")} |`);
    for (const row of r.rows) out.push(`| ${cols.map((c) => String(row[c] ?? "")).join(" | ")} |`);
    out.push("");
  }
  for (const g of r.goals) out.push(`- ${g.met ? "✅" : "❌"} ${g.goal}: ${g.value}`);
  for (const n of r.notes ?? []) out.push(`- ${n}`);
  out.push(`- load average before/after: ${r.loadBefore.map((x) => x.toFixed(1)).join(" ")} → ${(r.loadAfter ?? []).map((x) => x.toFixed(1)).join(" ")}`, "");
  return out.join("\n");
}

await main();
