import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { tsxNodeArgs } from "../scripts/tsx-node-args";

export type Child = { port: number; dataDir: string; proc: ChildProcess; stop: () => Promise<void> };

/**
 * Start a bench server script (tsx) in its own process, so the load generator
 * does not share its event loop, and wait for its `READY <port> <dir>` line.
 * BENCH_CPU_PROF=1 writes a V8 CPU profile of the child to bench/results/profiles.
 * `cpus` (e.g. "0") pins it with taskset.
 */
export function startScript(script: string, extraEnv: Record<string, string> = {}, cpus?: string): Promise<Child> {
  const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${path.join(import.meta.dirname, "results", "profiles")}`] : [];
  const args = [...prof, ...tsxNodeArgs, path.join(import.meta.dirname, script)];
  // `cpus` pins the server to those cores (taskset execs node: the pid is the server's).
  const [cmd, argv] = cpus ? ["taskset", ["-c", cpus, process.execPath, ...args]] : [process.execPath, args];
  const proc = spawn(cmd, argv, {
    env: { ...process.env, ...extraEnv },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /READY (\d+) (\S+)/.exec(buf);
      if (!m) return;
      proc.stdout!.off("data", onData);
      proc.stdout!.resume();
      resolve({ port: Number(m[1]), dataDir: m[2]!, proc, stop: () => stop(proc) });
    };
    proc.stdout!.on("data", onData);
    proc.on("exit", (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
  });
}

/** SIGINT lets --cpu-prof write its profile; the exit handler ends it. */
export function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const t = setTimeout(() => proc.kill("SIGKILL"), 5000);
    proc.once("exit", () => {
      clearTimeout(t);
      r();
    });
    proc.kill("SIGINT");
  });
}

/** Poll a URL until it answers 2xx (for `next start`). */
export async function waitForUrl(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not come up in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
