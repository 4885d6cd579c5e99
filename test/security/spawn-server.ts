import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { env } from "@/lib/env";
import { tsxNodeArgs } from "@/scripts/tsx-node-args";

export type ChildServer = { url: string; child: ChildProcess; stderr: () => string; stop: () => Promise<void> };

/**
 * Start test/support/crash-server.ts in a fresh process on `databaseUrl`,
 * with this process's secrets (so tokens and sealed keys stay readable).
 * `uid`/`gid` run it as another user (a read-only database for that user).
 */
export async function spawnAgentServer(databaseUrl: string, dataDir: string, opts: { uid?: number; gid?: number } = {}): Promise<ChildServer> {
  const root = process.cwd();
  // One process (tsx as a loader, not its CLI): the CLI runs the script in a child of its own,
  // which a SIGKILL of the CLI would leave running after the test.
  const child = spawn(process.execPath, [...tsxNodeArgs, path.join(root, "test", "support", "crash-server.ts")], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: "/tmp",
      NODE_ENV: "test",
      DATABASE_URL: databaseUrl,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_SESSION_SECRET: env().sessionSecret,
      GATEHOUSE_AT_REST_KEY: env().atRestKey.toString("base64"),
      GATEHOUSE_ISSUER: env().GATEHOUSE_ISSUER,
      GATEHOUSE_AUDIENCE: env().GATEHOUSE_AUDIENCE,
    },
    stdio: ["ignore", "pipe", "pipe"],
    uid: opts.uid,
    gid: opts.gid,
  });
  let err = "";
  child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 30_000);
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
  return {
    url,
    child,
    stderr: () => err,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode) return r();
        child.once("exit", () => r());
        child.kill("SIGKILL");
      }),
  };
}
