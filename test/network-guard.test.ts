import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import dns from "node:dns";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GUARD_MESSAGE, takeNetworkViolations } from "./support/network-guard";

// The suite's network guard (test/support/network-guard.ts, a setupFile of both vitest configs):
// every outbound connection that is not loopback fails loudly; loopback and unix sockets work.

let server: http.Server;
let port: number;
beforeAll(async () => {
  server = http.createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("network guard", () => {
  it("refuses a TCP connect to a public address (203.0.113.1:443) with the guard's error", () => {
    expect(() => net.connect(443, "203.0.113.1")).toThrow(GUARD_MESSAGE);
    expect(() => net.createConnection({ host: "203.0.113.1", port: 443 })).toThrow(GUARD_MESSAGE);
    expect(() => new net.Socket().connect({ host: "2001:db8::1", port: 443 })).toThrow(GUARD_MESSAGE);
    expect(() => tls.connect({ host: "203.0.113.1", port: 443 })).toThrow(GUARD_MESSAGE);
    expect(takeNetworkViolations()).toHaveLength(4);
  });

  it("refuses fetch, http.get and DNS lookups of public names", async () => {
    const err = await fetch("https://203.0.113.1/").then(
      () => null,
      (e: Error & { cause?: Error }) => e,
    );
    expect(String(err?.cause?.message ?? err?.message)).toContain(GUARD_MESSAGE);
    await expect(dns.promises.lookup("example.com")).rejects.toThrow(GUARD_MESSAGE);
    const viaCallback = await new Promise<Error | null>((r) => dns.lookup("api.openai.com", (e) => r(e)));
    expect(viaCallback?.message).toContain(GUARD_MESSAGE);
    expect(() => http.get("http://example.com/")).toThrow(GUARD_MESSAGE);
    expect(takeNetworkViolations().length).toBeGreaterThanOrEqual(4);
  });

  it("allows loopback (127.0.0.1, localhost, ::1 by name) and unix sockets", async () => {
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("ok");
    expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe("ok");
    const sock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "guard-")), "s.sock");
    const unix = net.createServer((c) => c.end("hi"));
    await new Promise<void>((r) => unix.listen(sock, r));
    const got = await new Promise<string>((r) => net.connect(sock).on("data", (d) => r(d.toString())));
    expect(got).toBe("hi");
    await new Promise<void>((r) => unix.close(() => r()));
    expect(takeNetworkViolations()).toEqual([]);
  });

  it("a name with the caller's own lookup may connect only where that lookup points: loopback yes, a public address no", async () => {
    const to = (address: string) =>
      ((_h: string, o: { all?: boolean }, cb: (e: Error | null, a: unknown, f?: number) => void) =>
        o?.all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4)) as unknown as net.LookupFunction;
    const ok = await new Promise<string>((resolve, reject) =>
      http.get({ host: "tools.example.com", port, lookup: to("127.0.0.1") }, (res) => res.on("data", (d: Buffer) => resolve(d.toString()))).on("error", reject),
    );
    expect(ok).toBe("ok");
    const err = await new Promise<Error>((resolve) => http.get({ host: "tools.example.com", port: 443, lookup: to("203.0.113.1") }).on("error", resolve));
    expect(err.message).toContain(GUARD_MESSAGE);
    expect(takeNetworkViolations()).toHaveLength(1);
  });

  // The refused call's error is swallowed by the code under test: the guard's afterEach still fails the test.
  it.fails("fails a test whose code swallows the refusal", () => {
    try {
      net.connect(443, "203.0.113.1");
    } catch {
      /* swallowed */
    }
  });
});
