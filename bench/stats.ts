import os from "node:os";

/** Summary of a sample of numbers (any unit). */
export type Summary = { n: number; median: number; p90: number; p99: number; mean: number; min: number; max: number };

/** Percentile by nearest rank on a sorted copy. */
export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  const sum = s.reduce((a, b) => a + b, 0);
  return { n: s.length, median: at(0.5), p90: at(0.9), p99: at(0.99), mean: sum / Math.max(1, s.length), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

/**
 * Time `fn` in batches and return per-call microseconds, one sample per batch:
 * a single call is too short for the timer, a batch median is stable.
 */
export function timeSync(fn: (i: number) => unknown, opts: { batches: number; perBatch: number; warmup?: number }): Summary {
  let sink = 0;
  for (let i = 0; i < (opts.warmup ?? opts.perBatch * 20); i++) sink += fn(i) ? 1 : 0;
  const samples: number[] = [];
  let i = 0;
  for (let b = 0; b < opts.batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < opts.perBatch; k++) sink += fn(i++) ? 1 : 0;
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / opts.perBatch);
  }
  if (sink === -1) console.log(sink);
  return summarize(samples);
}

/** Same as timeSync for async functions (awaited one at a time). */
export async function timeAsync(fn: (i: number) => Promise<unknown>, opts: { batches: number; perBatch: number; warmup?: number }): Promise<Summary> {
  for (let i = 0; i < (opts.warmup ?? opts.perBatch * 5); i++) await fn(i);
  const samples: number[] = [];
  let i = 0;
  for (let b = 0; b < opts.batches; b++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < opts.perBatch; k++) await fn(i++);
    samples.push(Number(process.hrtime.bigint() - t0) / 1000 / opts.perBatch);
  }
  return summarize(samples);
}

/**
 * Time several functions in alternating batches (A, B, C, A, B, C, …), so a
 * product and its baseline see the same machine: on a shared machine, timing
 * one after the other moved a ratio between 1.1× and 2.1× from run to run.
 * Sync functions are not awaited. Per-call microseconds, one sample per batch.
 */
export async function timeInterleaved<K extends string>(fns: Record<K, (i: number) => unknown>, opts: { batches: number; perBatch: number }): Promise<Record<K, Summary>> {
  const names = Object.keys(fns) as K[];
  const samples = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  let i = 0;
  const batch = async (fn: (i: number) => unknown): Promise<number> => {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < opts.perBatch; k++) {
      const r = fn(i++);
      if (r instanceof Promise) await r;
    }
    return Number(process.hrtime.bigint() - t0) / 1000 / opts.perBatch;
  };
  for (let w = 0; w < 5; w++) for (const n of names) await batch(fns[n]);
  for (let b = 0; b < opts.batches; b++) for (const n of names) samples[n].push(await batch(fns[n]));
  return Object.fromEntries(names.map((n) => [n, summarize(samples[n])])) as Record<K, Summary>;
}

/** What else the shared machine is doing, recorded next to every result. */
export function machine(): { cpus: string; cores: number; memGb: number; load: number[]; node: string } {
  const c = os.cpus();
  return { cpus: c[0]?.model ?? "?", cores: c.length, memGb: Math.round(os.totalmem() / 2 ** 30), load: os.loadavg().map((x) => +x.toFixed(2)), node: process.version };
}

/** One benchmark's outcome: numbers plus the goals checked against them. */
export type BenchResult = {
  id: string;
  title: string;
  skipped?: string;
  rows: Record<string, string | number>[];
  goals: { goal: string; value: string; met: boolean }[];
  loadBefore: number[];
  loadAfter?: number[];
  notes?: string[];
};

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
