import { describe, expect, it } from "vitest";
import { parsePolicy, checkPolicy, unknownTools } from "@/lib/policy/policy-schema";
import { AppError } from "@/lib/errors";
import { DEMO_ROUTES, DEMO_TOOLS } from "@/lib/seed/demo-data";

const minimal = { allow_tools: ["kb.search"], deny_tools: [], require_approval: [], budgets: { steps: 25, seconds: 60, usd: 1 } };

function issuesOf(input: unknown) {
  try {
    parsePolicy(input);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("validation_failed");
    return (err as AppError).issues ?? [];
  }
  throw new Error("expected the policy to be refused");
}

describe("policy schema", () => {
  it("fills the documented defaults", () => {
    expect(parsePolicy(minimal)).toEqual({
      ...minimal,
      auto_approve: [],
      audit: { enabled: true },
      approval: { write_approvals: 1, pending_ttl_seconds: 900, escalate_after_seconds: 300, reads_require_approval: false },
    });
  });

  it("parses JSON text, and refuses text that is not JSON", () => {
    expect(parsePolicy(JSON.stringify(minimal)).allow_tools).toEqual(["kb.search"]);
    expect(issuesOf("{not json")[0]?.message).toMatch(/JSON/);
  });

  it("accepts every demo route's policy", () => {
    for (const r of DEMO_ROUTES) expect(() => parsePolicy(r.policy), r.name).not.toThrow();
  });

  it("refuses a tool in both allow_tools and deny_tools", () => {
    const issues = issuesOf({ ...minimal, deny_tools: ["kb.search"] });
    expect(issues).toContainEqual({ path: "allow_tools.0", message: "kb.search is in both deny_tools and allow_tools." });
  });

  it("refuses a tool in both require_approval or auto_approve and deny_tools", () => {
    expect(issuesOf({ ...minimal, deny_tools: ["email.send"], require_approval: ["email.send"] })[0]?.path).toBe("require_approval.0");
    expect(issuesOf({ ...minimal, deny_tools: ["email.send"], auto_approve: ["email.send"] })[0]?.path).toBe("auto_approve.0");
  });

  it("refuses duplicates", () => {
    expect(issuesOf({ ...minimal, allow_tools: ["kb.search", "kb.search"] })).toContainEqual({ path: "allow_tools.1", message: "kb.search is listed twice." });
  });

  it.each([
    ["steps 0", { steps: 0, seconds: 60, usd: 1 }, "budgets.steps"],
    ["fractional steps", { steps: 1.5, seconds: 60, usd: 1 }, "budgets.steps"],
    ["seconds 0", { steps: 1, seconds: 0, usd: 1 }, "budgets.seconds"],
    ["negative usd", { steps: 1, seconds: 1, usd: -0.01 }, "budgets.usd"],
    ["usd as a string", { steps: 1, seconds: 1, usd: "1" }, "budgets.usd"],
    ["missing seconds", { steps: 1, usd: 1 }, "budgets.seconds"],
  ])("refuses bad budgets: %s", (_n, budgets, path) => {
    expect(issuesOf({ ...minimal, budgets }).map((i) => i.path)).toContain(path);
  });

  it("accepts a zero USD budget", () => {
    expect(parsePolicy({ ...minimal, budgets: { steps: 1, seconds: 1, usd: 0 } }).budgets.usd).toBe(0);
  });

  it("refuses unknown keys (a typo must not be silently ignored)", () => {
    expect(issuesOf({ ...minimal, deny_tool: ["email.send"] }).length).toBeGreaterThan(0);
  });

  it("refuses zero write approvals and malformed tool names", () => {
    expect(issuesOf({ ...minimal, approval: { write_approvals: 0 } }).map((i) => i.path)).toContain("approval.write_approvals");
    expect(issuesOf({ ...minimal, allow_tools: ["Email.send"] }).map((i) => i.path)).toContain("allow_tools.0");
    expect(issuesOf({ ...minimal, allow_tools: ["email.send "] }).map((i) => i.path)).toContain("allow_tools.0");
  });

  it("checkPolicy returns issues instead of throwing", () => {
    expect(checkPolicy({ ...minimal, budgets: {} })).toMatchObject({ ok: false });
    expect(checkPolicy(minimal)).toMatchObject({ ok: true });
  });

  it("unknownTools lists names the catalog does not know, once each", () => {
    const p = parsePolicy({ ...minimal, allow_tools: ["kb.search", "kb.serch"], deny_tools: ["admin.nuke"], require_approval: ["kb.serch2"] });
    expect(
      unknownTools(
        p,
        DEMO_TOOLS.map((t) => t.name),
      ),
    ).toEqual(["kb.serch", "admin.nuke", "kb.serch2"]);
  });
});
