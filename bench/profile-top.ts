/**
 * Summarise a V8 .cpuprofile (from `node --cpu-prof` or BENCH_CPU_PROF=1):
 * self time by function and by package/file, to see where the time goes.
 * Usage: tsx bench/profile-top.ts <file.cpuprofile> [topN]
 */
import fs from "node:fs";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] };
const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error("usage: tsx bench/profile-top.ts <file.cpuprofile> [topN]");
const prof = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fnTotals = new Map<string, number>();
const fileTotals = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const url = n.callFrame.url.replace(/^file:\/\//, "").replace(/.*node_modules\//, "nm:");
  const where = url.startsWith("nm:")
    ? url
        .split("/")
        .slice(0, url.startsWith("nm:@") ? 2 : 1)
        .join("/")
    : url || "(native)";
  const fn = `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
  fnTotals.set(fn, (fnTotals.get(fn) ?? 0) + us);
  fileTotals.set(where, (fileTotals.get(where) ?? 0) + us);
}
const top = Number(topArg ?? 25);
const show = (m: Map<string, number>) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, us]) => console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`));
console.log(`total sampled ${(total / 1000).toFixed(0)} ms\n-- by package/file --`);
show(fileTotals);
console.log("-- by function --");
show(fnTotals);
