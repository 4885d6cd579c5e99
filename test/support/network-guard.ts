import dns from "node:dns";
import net from "node:net";
import { afterEach } from "vitest";

/**
 * vitest setupFiles: no test reaches the network. Any outbound connection to
 * an address that is not loopback (127.0.0.0/8, ::1, localhost) throws the
 * guard's error at the call (a name with the caller's own `lookup` must
 * resolve to loopback, else the connect fails with the guard's error), and — in case the code under test swallows it —
 * fails the running test in afterEach. Unix sockets are allowed. DNS lookups of
 * non-local names are refused the same way. Also off here: the frameworks'
 * default network calls (LangSmith tracing, OpenAI Agents tracing export,
 * Next.js telemetry), so a test never depends on the guard to stay offline.
 */

process.env.LANGCHAIN_TRACING_V2 = "false";
process.env.LANGSMITH_TRACING = "false";
process.env.LANGCHAIN_TRACING = "false";
process.env.OPENAI_AGENTS_DISABLE_TRACING = "1";
process.env.NEXT_TELEMETRY_DISABLED = "1";

export const GUARD_MESSAGE = "network guard: outbound connection to a non-loopback address";

const violations: string[] = [];

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (net.isIPv4(h)) return h.startsWith("127.");
  if (net.isIPv6(h)) return h === "::1" || /^::ffff:127\./.test(h) || /^(0:){7}1$/.test(h);
  return false;
}

function refuse(what: string): Error {
  const msg = `${GUARD_MESSAGE}: ${what}`;
  violations.push(msg);
  const err = new Error(msg) as NodeJS.ErrnoException;
  err.code = "ENETUNREACH_GUARD";
  return err;
}

/** The target of a Socket#connect call: an options object, (port, host), or (path). */
function target(args: unknown[]): { path?: string; host?: string; port?: unknown } {
  let a = args[0];
  if (Array.isArray(a)) a = a[0]; // internal normalized [options, cb]
  if (a && typeof a === "object") {
    const o = a as { path?: string; host?: string; port?: unknown };
    return { path: o.path, host: o.host ?? "localhost", port: o.port };
  }
  if (typeof a === "string" && !/^\d+$/.test(a)) return { path: a };
  return { host: typeof args[1] === "string" ? args[1] : "localhost", port: a };
}

type LookupCb = (err: Error | null, address?: string | { address: string }[], family?: number) => void;
type Lookup = (host: string, opts: unknown, cb: LookupCb) => void;
const checked = Symbol("network-guard-checked");

/** A caller's own `lookup` (tests point public-looking names at loopback): the address it yields must be loopback. */
function checkedLookup(orig: Lookup, port: unknown): Lookup {
  const wrapped = (host: string, opts: unknown, cb: LookupCb) =>
    orig(host, opts, (err, address, family) => {
      if (err) return cb(err);
      const list = Array.isArray(address) ? address.map((a) => a.address) : [String(address)];
      const bad = list.find((a) => !isLoopbackHost(a));
      if (bad) return cb(refuse(`${host} (resolved to ${bad}):${String(port)}`));
      cb(null, address, family);
    });
  return Object.assign(wrapped, { [checked]: true });
}

const origConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const t = target(args);
  if (!t.path && t.host !== undefined && !isLoopbackHost(t.host)) {
    const first = args[0];
    const opts = (Array.isArray(first) ? first[0] : first) as { lookup?: Lookup & { [checked]?: true } } | undefined;
    const own = opts && typeof opts === "object" && typeof opts.lookup === "function" && opts.lookup !== dns.lookup ? opts.lookup : undefined;
    if (net.isIP(t.host) || !own) throw refuse(`${t.host}:${String(t.port)}`);
    if (!own[checked]) opts!.lookup = checkedLookup(own, t.port);
  }
  return (origConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

const origLookup = dns.lookup;
function guardedLookup(this: unknown, hostname: string, ...rest: unknown[]) {
  if (typeof hostname === "string" && !net.isIP(hostname) && !isLoopbackHost(hostname)) {
    const err = refuse(`DNS lookup of ${hostname}`);
    const cb = rest[rest.length - 1];
    if (typeof cb === "function") {
      process.nextTick(() => (cb as (e: Error) => void)(err));
      return;
    }
    throw err;
  }
  return (origLookup as (...a: unknown[]) => unknown).call(this, hostname, ...rest);
}
dns.lookup = guardedLookup as typeof dns.lookup;
const origPromiseLookup = dns.promises.lookup;
dns.promises.lookup = async function (hostname: string, ...rest: unknown[]) {
  if (typeof hostname === "string" && !net.isIP(hostname) && !isLoopbackHost(hostname)) throw refuse(`DNS lookup of ${hostname}`);
  return (origPromiseLookup as (...a: unknown[]) => Promise<unknown>)(hostname, ...rest);
} as typeof dns.promises.lookup;

/** For the guard's own test: what it refused so far, cleared. */
export function takeNetworkViolations(): string[] {
  return violations.splice(0);
}

afterEach(() => {
  const seen = violations.splice(0);
  if (seen.length) throw new Error(`${seen.length} outbound connection(s) refused during this test:\n${seen.join("\n")}`);
});
