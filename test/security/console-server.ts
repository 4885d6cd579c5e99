import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { env } from "@/lib/env";
import { tsxNodeArgs } from "../../scripts/tsx-node-args";

// The real server as `npm start` serves it (scripts/serve.ts: the agent API beside
// Next.js, one process, the production build in .next), in a child process on a
// free port and on the test's own database; and a console user's cookie jar
// filled by signing in through next-auth exactly as the sign-in form does.

export type ConsoleServer = { url: string; child: ChildProcess; log: () => string; stop: () => Promise<void> };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Start `scripts/serve.ts` on `databaseUrl`; resolves once /api/health answers 200. */
export async function startConsoleServer(databaseUrl: string, dataDir: string, extraEnv: Record<string, string> = {}): Promise<ConsoleServer> {
  const root = process.cwd();
  if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) throw new Error("no production build in .next: run `npx next build` first");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const e = env();
  const child = spawn(process.execPath, [...tsxNodeArgs, path.join(root, "scripts", "serve.ts")], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      NODE_ENV: "production",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_URL: url,
      GATEHOUSE_DEMO: "0",
      GATEHOUSE_SESSION_SECRET: e.sessionSecret,
      GATEHOUSE_AT_REST_KEY: e.atRestKey.toString("base64"),
      GATEHOUSE_ISSUER: e.GATEHOUSE_ISSUER,
      GATEHOUSE_AUDIENCE: e.GATEHOUSE_AUDIENCE,
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (c: Buffer) => (log += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (log += c.toString()));
  const end = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${log}`);
    try {
      if ((await fetch(`${url}/api/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) {
      child.kill("SIGKILL");
      throw new Error(`server not ready:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    child,
    log: () => log,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null || child.signalCode) return r();
        child.once("exit", () => r());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}

/** A browser's cookie jar for one origin (names → values; no attributes). */
export class CookieJar {
  readonly cookies = new Map<string, string>();
  /** The Set-Cookie headers last seen, attributes included. */
  setCookies: string[] = [];

  keep(res: Response): void {
    this.setCookies = res.headers.getSetCookie();
    for (const c of this.setCookies) {
      const [pair, ...attrs] = c.split(";");
      const i = pair!.indexOf("=");
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || (value === "" && attrs.some((a) => /expires=thu, 01 jan 1970/i.test(a)));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  sessionCookie(): string | undefined {
    return [...this.cookies.keys()].find((k) => k.includes("session-token"));
  }
}

/** GET /api/auth/csrf into `jar`; the token the form would post. */
export async function csrfToken(base: string, jar: CookieJar, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${base}/api/auth/csrf`, { headers: { ...headers, cookie: jar.header() } });
  jar.keep(res);
  return ((await res.json()) as { csrfToken: string }).csrfToken;
}

/** POST the credentials form as next-auth's signIn() does; the response is returned, cookies kept in `jar`. */
export async function postCredentials(
  base: string,
  jar: CookieJar,
  csrf: string,
  email: string,
  password: string,
  opts: { callbackUrl?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...opts.headers, cookie: jar.header() },
    body: new URLSearchParams({ csrfToken: csrf, email, password, json: "true", ...(opts.callbackUrl ? { callbackUrl: opts.callbackUrl } : {}) }),
  });
  jar.keep(res);
  return res;
}

/** Sign in through the real next-auth route; throws unless a session cookie came back. */
export async function signIn(base: string, email: string, password: string, headers: Record<string, string> = {}): Promise<CookieJar> {
  const jar = new CookieJar();
  const csrf = await csrfToken(base, jar, headers);
  const res = await postCredentials(base, jar, csrf, email, password, { headers });
  if (!jar.sessionCookie()) throw new Error(`sign-in as ${email} failed: ${res.status} ${await res.text()}`);
  return jar;
}

/** POST /api/auth/signout as the console's Sign out button does. */
export async function signOut(base: string, jar: CookieJar, headers: Record<string, string> = {}): Promise<Response> {
  const csrf = await csrfToken(base, jar, headers);
  const res = await fetch(`${base}/api/auth/signout`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers, cookie: jar.header() },
    body: new URLSearchParams({ csrfToken: csrf, json: "true" }),
  });
  jar.keep(res);
  return res;
}

/** A console API call with the jar's cookies, the console header and a same-origin Origin. */
export async function consoleFetch(
  base: string,
  jar: CookieJar | string,
  p: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(base + p, {
    method: init.method ?? "GET",
    redirect: "manual",
    headers: {
      "x-gatehouse-console": "1",
      origin: base,
      ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
      ...init.headers,
      cookie: typeof jar === "string" ? jar : jar.header(),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}
