import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { freshDb } from "./support/db";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { sessionCookieName } from "@/lib/auth/session-cookie";
import { appendAudit, type AuditInput } from "@/lib/audit/append";
import { GET as pageRoute } from "@/app/api/console/audit/route";
import { GET as exportRoute } from "@/app/api/console/audit/export/route";
import { GET as eventRoute } from "@/app/api/console/audit/[seq]/route";
import { POST as verifyRoute } from "@/app/api/console/audit/verify/route";

let cleanup: () => Promise<void>;
let cookie: string;

beforeAll(async () => {
  ({ cleanup } = await freshDb());
  const id = await makeUser("vera@example.com", ["viewer"]);
  cookie = `${sessionCookieName()}=${await encode({ token: { sub: id }, secret: env().sessionSecret, maxAge: 3600 })}`;
  const events: AuditInput[] = Array.from({ length: 1_200 }, (_, i) => ({
    type: i % 3 === 0 ? "action.decided" : "approval.recorded",
    actorType: "agent",
    actorId: `cred_${i % 4}`,
    tenantId: i % 2 ? "acme" : "globex",
    env: i % 5 === 0 ? "staging" : "prod",
    route: "support/send",
    tool: i % 7 === 0 ? "customer.delete" : "ticket.close",
    status: i % 3 === 0 ? "pending" : "approve",
    reason: i === 5 ? 'needs "quotes", commas\nand newlines' : i === 6 ? "=HYPERLINK(1)" : null,
    requestId: `req_${i}`,
    actionId: `act_${i % 50}`,
    data: { i },
  }));
  await db().$transaction((tx) => appendAudit(tx, ...events), { timeout: 120_000 });
}, 180_000);
afterAll(() => cleanup());

const get = (route: typeof pageRoute, url: string, params: Record<string, string> = {}) =>
  route(new Request(`http://localhost:3000${url}`, { headers: { cookie } }), { params: Promise.resolve(params) });

async function allPages(filter: string) {
  const rows: { seq: number }[] = [];
  let before: number | null = null;
  for (;;) {
    const res = await get(pageRoute, `/api/console/audit?${filter}&limit=200${before ? `&before=${before}` : ""}`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { rows: { seq: number }[]; next_before: number | null };
    rows.push(...page.rows);
    if (!page.next_before) return rows;
    before = page.next_before;
  }
}

describe("audit browser API", () => {
  it("filters combine, pages go by keyset newest first with no gaps or repeats", async () => {
    const rows = (await allPages("tenant=acme&tool=customer.delete&env=prod")) as unknown as { seq: number; tenant: string; tool: string; env: string }[];
    const expected = await db().auditEvent.count({ where: { tenantId: "acme", tool: "customer.delete", env: "prod" } });
    expect(rows.length).toBe(expected);
    expect(rows.every((r) => r.tenant === "acme" && r.tool === "customer.delete" && r.env === "prod")).toBe(true);
    const seqs = rows.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it("exported JSONL of a filter equals the rows the browser shows for it, across export batches", async () => {
    for (const filter of ["type=action.decided&status=pending", "actor=cred_1", "action_id=act_7", ""]) {
      const shown = await allPages(filter);
      const res = await get(exportRoute, `/api/console/audit/export?format=jsonl&${filter}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/ndjson/);
      const lines = (await res.text())
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as unknown);
      expect(lines.length).toBe(shown.length);
      expect(lines).toEqual(shown);
    }
  });

  it("CSV has one header and one line per row, quoting commas, quotes and newlines and defusing formulas", async () => {
    const res = await get(exportRoute, "/api/console/audit/export?format=csv&request_id=req_5");
    const text = await res.text();
    expect(text.startsWith("seq,at,request_id,")).toBe(true);
    expect(text).toContain(`"needs ""quotes"", commas\nand newlines"`);
    const formula = await (await get(exportRoute, "/api/console/audit/export?format=csv&request_id=req_6")).text();
    expect(formula).toContain(",'=HYPERLINK(1),");
    const all = await (await get(exportRoute, "/api/console/audit/export?format=csv&tenant=globex")).text();
    const dataLines = all.split("\r\n").filter((l, i) => i > 0 && l !== "");
    expect(dataLines.length).toBe(await db().auditEvent.count({ where: { tenantId: "globex" } }));
  });

  it("a time range filter bounds the rows", async () => {
    const mid = await db().auditEvent.findUniqueOrThrow({ where: { seq: 600 } });
    const rows = (await allPages(`to=${encodeURIComponent(mid.at.toISOString())}&tenant=acme`)) as unknown as { at: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.at <= mid.at.toISOString())).toBe(true);
  });

  it("unknown filters and bad cursors are refused (422), not ignored", async () => {
    expect((await get(pageRoute, "/api/console/audit?tenantt=acme")).status).toBe(422);
    expect((await get(pageRoute, "/api/console/audit?before=-1")).status).toBe(422);
    expect((await get(exportRoute, "/api/console/audit/export?format=xml")).status).toBe(422);
  });

  it("detail view by sequence; 404 for none", async () => {
    const res = await get(eventRoute as typeof pageRoute, "/api/console/audit/42", { seq: "42" });
    expect(await res.json()).toMatchObject({ seq: 42, request_id: "req_41", data: { i: 41 } });
    expect((await get(eventRoute as typeof pageRoute, "/api/console/audit/999999", { seq: "999999" })).status).toBe(404);
  });

  it("the verify button's endpoint walks the chain (mutation header required)", async () => {
    const ok = await verifyRoute(new Request("http://localhost:3000/api/console/audit/verify", { method: "POST", headers: { cookie, "x-gatehouse-console": "1" } }), {
      params: Promise.resolve({}),
    });
    expect(await ok.json()).toEqual({ ok: true, count: 1_200 });
    const csrf = await verifyRoute(new Request("http://localhost:3000/api/console/audit/verify", { method: "POST", headers: { cookie } }), { params: Promise.resolve({}) });
    expect(csrf.status).toBe(403);
  });

  it("no session, no audit", async () => {
    const res = await pageRoute(new Request("http://localhost:3000/api/console/audit"), { params: Promise.resolve({}) });
    expect(res.status).toBe(401);
  });
});
