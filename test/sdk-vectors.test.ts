import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as nodeSdk from "@gatehouse-dev/sdk";
import * as edgeSdk from "@gatehouse-dev/sdk/edge";

// docs/test-vectors.json (written by scripts/gen-sdk-vectors.ts, specified in docs/SPEC.md) through both
// SDK entries: the node:crypto one and the WebCrypto-only one (@gatehouse-dev/sdk/edge).
type Vectors = {
  args_hash: { name: string; args: unknown; canonical_json: string; args_hash: string }[];
  tokens: {
    now_seconds: number;
    issuer: string;
    audience: string;
    jwks: { keys: Record<string, unknown>[] };
    cases: { name: string; token: string; verify: { kind: "action" | "run"; tenant: string; env: string; tool: string; args?: unknown }; verdict: string }[];
  };
};
const ROOT = path.resolve(import.meta.dirname, "..");
const vectors = JSON.parse(fs.readFileSync(path.join(ROOT, "docs/test-vectors.json"), "utf8")) as Vectors;

afterEach(() => vi.useRealTimers());

describe("args-hash vectors", () => {
  it.each(vectors.args_hash)("$name: canonical JSON and hash match on both entries", async (v) => {
    expect(nodeSdk.canonicalJson(v.args)).toBe(v.canonical_json);
    expect(nodeSdk.argsHash(v.args)).toBe(v.args_hash);
    expect(await edgeSdk.argsHash(v.args)).toBe(v.args_hash);
  });
});

describe("token vectors", () => {
  const t = vectors.tokens;
  for (const [entry, sdk] of [
    ["node", nodeSdk],
    ["edge", edgeSdk],
  ] as const) {
    it.each(t.cases)(`${entry}: $name → $verdict`, async (c) => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(t.now_seconds * 1000);
      const common = { jwks: t.jwks as never, issuer: t.issuer, audience: t.audience, tenant: c.verify.tenant, env: c.verify.env, tool: c.verify.tool };
      const verdict = await (c.verify.kind === "action" ? sdk.verifyActionToken(c.token, { ...common, args: c.verify.args }) : sdk.verifyRunToken(c.token, common)).then(
        () => "ok",
        (err: unknown) => (err instanceof nodeSdk.CapabilityError || err instanceof edgeSdk.CapabilityError ? err.code : `unexpected: ${String(err)}`),
      );
      expect(verdict).toBe(c.verdict);
    });
  }
  it("the vectors cover refusals as well as acceptance", () => {
    expect(new Set(t.cases.map((c) => c.verdict)).size).toBeGreaterThan(8);
  });
});

describe("the edge entry needs only WebCrypto", () => {
  /** Every module the edge entry reaches in the package source, with what it imports from outside. */
  function reach(entry: string): { files: string[]; external: string[] } {
    const files = new Set<string>();
    const external = new Set<string>();
    const queue = [entry];
    while (queue.length) {
      const f = queue.shift()!;
      if (files.has(f)) continue;
      files.add(f);
      const src = fs.readFileSync(f, "utf8");
      for (const m of src.matchAll(/(?:import|export)\s[^"']*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith(".")) queue.push(path.resolve(path.dirname(f), spec) + ".ts");
        else external.add(spec);
      }
    }
    return { files: [...files], external: [...external].sort() };
  }

  it("imports no node: module (nor Buffer) anywhere in its module graph; the node entry does", () => {
    const edge = reach(path.join(ROOT, "packages/sdk/src/edge.ts"));
    expect(edge.files.length).toBeGreaterThan(5);
    expect(edge.external).toEqual(["canonicalize", "jose", "standardwebhooks", "zod"]);
    for (const f of edge.files) expect(fs.readFileSync(f, "utf8"), f).not.toMatch(/\bBuffer\.|["']node:/);
    expect(reach(path.join(ROOT, "packages/sdk/src/index.ts")).external).toContain("node:crypto");
  });
});
