import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import type { BenchResult } from "./stats";
import { tsxNodeArgs } from "../scripts/tsx-node-args";

/** H: in-process hot-path timings (bench/hot-path.ts in its own process). */
export async function benchHotPath(quick: boolean): Promise<BenchResult> {
  const loadBefore = os.loadavg();
  const r = spawnSync(process.execPath, [...tsxNodeArgs, path.join(import.meta.dirname, "hot-path.ts"), ...(quick ? ["--quick"] : [])], { encoding: "utf8" });
  const line = /RESULT (.*)/.exec(r.stdout)?.[1];
  if (!line) return { id: "H", title: "Hot path in-process", skipped: `hot-path.ts failed: ${(r.stdout + r.stderr).slice(-800)}`, rows: [], goals: [], loadBefore };
  const x = JSON.parse(line) as Record<string, number>;
  return {
    id: "H",
    title: "Hot path in-process, one call at a time (median ms per call)",
    rows: [
      { call: "proposeAction, allowed read (decide + audit + token)", "median ms": x.proposeReadMs!, "p99 ms": x.proposeReadP99Ms! },
      { call: "proposeAction, pending write", "median ms": x.proposeWriteMs!, "p99 ms": x.proposeWriteP99Ms! },
      { call: "one audit append in a raw SQL transaction (agent API)", "median ms": x.auditRawMs!, "p99 ms": "" },
      { call: "one audit append, raw SQL inside an ORM transaction (console paths)", "median ms": x.auditOrmTxMs!, "p99 ms": "" },
      { call: "one audit append, ORM create in an ORM transaction (before raw SQL)", "median ms": x.auditOrmMs!, "p99 ms": "" },
    ],
    goals: [],
    loadBefore,
    loadAfter: os.loadavg(),
    notes: [
      `During the allowed-read loop the process was on CPU ${Math.round((x.proposeReadCpuShare ?? NaN) * 100)}% of the wall time (the rest: waiting for a core on the shared machine, or I/O).`,
      "Each audit append includes its own transaction (BEGIN … COMMIT).",
    ],
  };
}
