import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { execFileSync } from "node:child_process";

/**
 * A throwaway PostgreSQL cluster for the benchmark, as scripts/test-postgres.sh makes one (this
 * machine's initdb/pg_ctl as user postgres, a temp dir, a free loopback port) but with the durable
 * defaults: fsync on, synchronous_commit on, full_page_writes on. pg_stat_statements is loaded.
 */
export type Cluster = { url: string; adminUrl: string; postmasterPid: number; stop: () => void };

function pgBin(): string {
  for (const d of fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql").sort().reverse() : []) {
    const bin = path.join("/usr/lib/postgresql", d, "bin");
    if (fs.existsSync(path.join(bin, "initdb"))) return bin;
  }
  throw new Error("PostgreSQL server binaries not found (apt-get install postgresql)");
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startCluster(): Promise<Cluster> {
  const bin = pgBin();
  const asPg = (cmd: string, args: string[]) =>
    process.getuid?.() === 0 ? execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], { stdio: "pipe" }) : execFileSync(cmd, args, { stdio: "pipe" });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gh-bench-pg-"));
  if (process.getuid?.() === 0) execFileSync("chown", ["postgres", tmp]);
  fs.chmodSync(tmp, 0o700);
  const data = path.join(tmp, "data");
  const port = await freePort();
  asPg(path.join(bin, "initdb"), ["-D", data, "-U", "gatehouse", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"]);
  const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${tmp} -c max_connections=300 -c shared_preload_libraries=pg_stat_statements -c fsync=on -c synchronous_commit=on -c full_page_writes=on`;
  asPg(path.join(bin, "pg_ctl"), ["-D", data, "-l", path.join(tmp, "server.log"), "-w", "-t", "60", "start", "-o", opts]);
  const postmasterPid = Number(fs.readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  const adminUrl = `postgres://gatehouse@127.0.0.1:${port}/postgres`;
  execFileSync(path.join(bin, "psql"), [adminUrl, "-qc", "CREATE DATABASE gatehouse_bench", "-c", "\\c gatehouse_bench", "-c", "CREATE EXTENSION pg_stat_statements"], {
    stdio: "pipe",
  });
  return {
    url: `postgres://gatehouse@127.0.0.1:${port}/gatehouse_bench`,
    adminUrl,
    postmasterPid,
    stop: () => {
      try {
        asPg(path.join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        /* already gone */
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** user+system CPU ms of the postmaster, its exited children (reaped) and its live children. */
export function clusterCpuMs(postmasterPid: number): number {
  let ticks = 0;
  const stat = (pid: number | string) => {
    try {
      return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    } catch {
      return null;
    }
  };
  const pm = stat(postmasterPid);
  if (!pm) return NaN;
  // Fields after "comm)": state ppid … utime(11) stime(12) cutime(13) cstime(14).
  ticks += Number(pm[11]) + Number(pm[12]) + Number(pm[13]) + Number(pm[14]);
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const f = stat(d);
    if (f && Number(f[1]) === postmasterPid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * 10;
}
