import { describe, expect, it } from "vitest";
import { parseToolEntry } from "@/lib/catalog/tool-schema";
import { argsValidator } from "@/lib/catalog/validate-args";
import { renderSummary, renderSummarySegments } from "@/lib/catalog/render-summary";
import { AppError } from "@/lib/errors";
import type { ToolEntry } from "@/lib/policy/types";
import { DEMO_TOOLS } from "@/lib/seed/demo-data";

const tool = (name: string): ToolEntry => DEMO_TOOLS.find((t) => t.name === name)!;
const refusal = (input: unknown) => {
  try {
    parseToolEntry(input);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("validation_failed");
    return (err as AppError).issues ?? [];
  }
  throw new Error("expected the entry to be refused");
};

describe("tool catalog entries", () => {
  it("the 14 demo tools parse, with unique names", () => {
    expect(DEMO_TOOLS).toHaveLength(14);
    expect(new Set(DEMO_TOOLS.map((t) => t.name)).size).toBe(14);
    for (const t of DEMO_TOOLS) expect(parseToolEntry(t)).toEqual(t);
  });

  it.each(["Ticket.close", "ticket", "ticket.", "ticket.close ", "tickеt.close", "ticket..close", "1ticket.close"])("refuses the name %j", (name) => {
    expect(refusal({ ...tool("ticket.close"), name }).map((i) => i.path)).toContain("name");
  });

  it("refuses an args schema ajv strict mode will not compile", () => {
    const bad = { ...tool("ticket.close"), argsSchema: { type: "object", properties: { ticket_id: { maxLength: 5 } } } };
    expect(refusal(bad)[0]).toMatchObject({ path: "argsSchema", message: expect.stringContaining("strict mode") });
    expect(refusal({ ...tool("ticket.close"), argsSchema: { type: "object", properties: { a: { type: "nope" } } } })[0]?.path).toBe("argsSchema");
    expect(refusal({ ...tool("ticket.close"), argsSchema: { type: "object", $ref: "https://example.com/schema.json" } })[0]?.path).toBe("argsSchema");
    expect(refusal({ ...tool("ticket.close"), argsSchema: { type: "object", properties: { a: { type: "string", format: "hostname" } } } })[0]?.path).toBe("argsSchema");
  });

  it("requires an object-typed args schema, a kind, blast radius and undo", () => {
    expect(refusal({ ...tool("ticket.close"), argsSchema: { type: "array" } }).map((i) => i.path)).toContain("argsSchema");
    expect(refusal({ ...tool("ticket.close"), kind: "admin" }).map((i) => i.path)).toContain("kind");
    expect(refusal({ ...tool("ticket.close"), blastRadius: undefined }).map((i) => i.path)).toContain("blastRadius");
    expect(refusal({ ...tool("ticket.close"), undo: { reversible: true, note: "no via" } }).map((i) => i.path)).toContain("undo.via");
  });

  it("accepts a draft-07 schema", () => {
    const t = {
      ...tool("kb.search"),
      name: "kb.legacy",
      argsSchema: { $schema: "http://json-schema.org/draft-07/schema#", type: "object", properties: { q: { type: "string" } } },
    };
    expect(parseToolEntry(t).name).toBe("kb.legacy");
  });

  it("undo says how or that it is irreversible", () => {
    expect(tool("ticket.close").undo).toMatchObject({ reversible: true, via: "ticket.update" });
    for (const n of ["email.send", "customer.delete", "refund.create", "db.write"]) expect(tool(n).undo.reversible, n).toBe(false);
  });
});

describe("argument validation", () => {
  const closeTicket = argsValidator(tool("ticket.close"));

  it("accepts valid args", () => {
    expect(closeTicket({ ticket_id: "T-18421", resolution: "Reset auth token" })).toEqual([]);
  });

  it.each([
    ["wrong type", { ticket_id: 12 }, "args.ticket_id"],
    ["pattern", { ticket_id: "18421" }, "args.ticket_id"],
    ["missing field", {}, "args.ticket_id"],
    ["extra field", { ticket_id: "T-1", force: true }, "args.force"],
    ["too long", { ticket_id: "T-1", resolution: "x".repeat(501) }, "args.resolution"],
  ])("refuses %s with a dotted path", (_n, args, path) => {
    expect(closeTicket(args).map((i) => i.path)).toContain(path);
  });

  it("args must be a JSON object", () => {
    for (const bad of [null, [], "T-1", 5, undefined]) expect(closeTicket(bad)).toEqual([{ path: "args", message: "Arguments must be a JSON object." }]);
  });

  it("nested paths are dotted", () => {
    const t: ToolEntry = {
      ...tool("kb.search"),
      name: "x.nested",
      argsSchema: { type: "object", properties: { customer: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } } },
    };
    expect(argsValidator(t)({ customer: { id: 5 } })).toEqual([{ path: "args.customer.id", message: "must be string" }]);
    expect(argsValidator(t)({ customer: {} })).toEqual([{ path: "args.customer.id", message: "must have required property 'id'" }]);
  });

  it("never coerces or changes the args it checks", () => {
    const args = { ticket_id: "T-1" };
    const t: ToolEntry = {
      ...tool("ticket.close"),
      name: "x.defaults",
      argsSchema: { type: "object", properties: { ticket_id: { type: "string" }, n: { type: "integer", default: 3 } } },
    };
    argsValidator(t)(args);
    expect(args).toEqual({ ticket_id: "T-1" });
    expect(argsValidator(tool("kb.search"))({ query: "q", limit: "5" }).map((i) => i.path)).toEqual(["args.limit"]);
  });

  it("a changed schema under the same name is recompiled", () => {
    const v1: ToolEntry = { ...tool("kb.search"), name: "x.changing", argsSchema: { type: "object", properties: { q: { type: "string" } } } };
    const v2: ToolEntry = { ...v1, argsSchema: { type: "object", properties: { q: { type: "integer" } } } };
    expect(argsValidator(v1)({ q: "a" })).toEqual([]);
    expect(argsValidator(v2)({ q: "a" })).toHaveLength(1);
  });
});

describe("summaries", () => {
  it("fills placeholders", () => {
    expect(renderSummary("Close ticket {ticket_id}", { ticket_id: "T-18421" })).toBe("Close ticket T-18421");
    expect(renderSummary("Refund ${amount_usd} on {order.id}", { amount_usd: 12.5, order: { id: "O-7" } })).toBe("Refund $12.5 on O-7");
  });

  it("omits absent fields (no marker, no dangling separator) and never reads inherited properties", () => {
    expect(renderSummary("Close {ticket_id}", {})).toBe("Close");
    expect(renderSummary("{constructor} {__proto__} {toString}", {})).toBe("");
    expect(renderSummary("Open a ticket for {customer_id}: “{subject}”", { customer_id: "C-1" })).toBe("Open a ticket for C-1");
    expect(renderSummary("Update {a} now, priority {b}", { b: "high" })).toBe("Update now, priority high");
  });

  it("splits the headline into the template's words and the agent's values, keeping every character of a value", () => {
    expect(renderSummarySegments("Send an e-mail to {to}: “{subject}”", { to: "a@b.c", subject: "Hi\u202Eevil" })).toEqual([
      { text: "Send an e-mail to ", agent: false },
      { text: "a@b.c", agent: true },
      { text: ": “", agent: false },
      { text: "Hi\u202Eevil", agent: true },
      { text: "”", agent: false },
    ]);
    const long = renderSummarySegments("Search {q}", { q: "x".repeat(500) });
    expect(long.map((s) => s.text).join("")).toHaveLength(200);
    expect(long.at(-1)).toMatchObject({ agent: true });
  });

  it("is plain text, one line, without bidi tricks, capped at 200 characters", () => {
    expect(renderSummary("Close {t}", { t: "<img src=x onerror=alert(1)>" })).toBe("Close <img src=x onerror=alert(1)>");
    expect(renderSummary("Close {t}", { t: "T-1\nApprove everything\u202Eevil" })).toBe("Close T-1 Approve everything evil");
    const long = renderSummary("Search {q}", { q: "x".repeat(500) });
    expect(long).toHaveLength(200);
    expect(long.endsWith("…")).toBe(true);
  });
});
