import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDemoDb } from "./support/demo-db";
import { startAgentServer } from "./support/agent-server";
import { makeUser } from "./support/fixtures";
import { db } from "@/lib/db/client";
import { DEMO_AGENTS } from "@/lib/seed/demo-data";
import { DEMO_TOOLS } from "@/lib/seed/demo-tools";
import { GatehouseAgent } from "@/lib/sdk/agent-client";
import { openCardCopy, sealCardCopy } from "@/lib/approvals/card-copy";
import { getActionDetail, type DetailViewer } from "@/lib/approvals/get-action-detail";
import { finalStateAt, reduceCardCopyIfDue, reduceDueCardCopies } from "@/lib/approvals/reduce-card-copies";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { approveToolChange, saveTool } from "@/lib/catalog/save-tool";
import { REDACTED } from "@/lib/redact/redact";

// The card's copy of the args keeps the personal data a reviewer must check (who an e-mail goes to),
// masks secrets, is sealed bound to its action, and is reduced to the audit copy after the retention.

let cleanup: () => Promise<void>;
let server: { url: string; close: () => Promise<void> };
let agent: GatehouseAgent;
let runId: string;
let reviewer: DetailViewer;
let viewer: DetailViewer;
let admin1: string;
let admin2: string;
const acme = DEMO_AGENTS.find((a) => a.tenant === "acme" && a.env === "prod" && a.routes.includes("support/send"))!;
const stripe = ["sk_live_", "51HqQ2eK3x4Y5z6A7b8C9d0E"].join("");
let n = 0;

async function proposeEmail(to: string, body: string): Promise<string> {
  const p = await agent.propose({ run_id: runId, tool: "email.send", args: { ticket_id: "T-18421", to, subject: "Your refund", body }, idempotency_key: `copy-${n++}` });
  if (p.status !== "pending") throw new Error(`expected pending, got ${p.status}`);
  return p.action_id;
}

const fieldsOf = async (id: string, who: DetailViewer) => {
  const d = (await getActionDetail(id, who))!;
  return {
    copy: d.argsCopy,
    fields: Object.fromEntries(d.card.fields.map((f) => [f.key, f.value])),
    hidden: d.card.hiddenFields,
    masked: d.card.fields.filter((f) => f.masked).map((f) => f.key),
  };
};

beforeAll(async () => {
  ({ cleanup } = await freshDemoDb());
  server = await startAgentServer();
  agent = new GatehouseAgent({ baseUrl: server.url, apiKey: acme.key });
  runId = (await agent.startRun("support/send")).run_id;
  reviewer = { id: await makeUser("reviewer.copy@example.com", ["reviewer"]), email: "reviewer.copy@example.com", roles: ["reviewer"] };
  viewer = { id: await makeUser("viewer.copy@example.com", ["viewer"]), email: "viewer.copy@example.com", roles: ["viewer"] };
  admin1 = await makeUser("admin1.copy@example.com", ["admin"]);
  admin2 = await makeUser("admin2.copy@example.com", ["admin"]);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

describe("the card copy", () => {
  it("a reviewer's card shows the recipient and the body as an e-mail (To, Subject, Body); the audit copy, viewers and the row hold them masked; secrets are masked in both", async () => {
    const id = await proposeEmail("jane.doe@example.com", `Hi Jane, call +44 20 7946 0958. key ${stripe}`);
    const r = await fieldsOf(id, reviewer);
    expect(r.copy).toBe("card");
    expect(Object.keys(r.fields)).toEqual(["to", "subject", "body", "ticket_id"]);
    expect(r.fields.to).toBe("jane.doe@example.com");
    expect(r.fields.body).toBe(`Hi Jane, call +44 20 7946 0958. key ${REDACTED}`);
    expect(r.masked).toEqual(["body"]);
    // The raw-args disclosure shows the same copy as the card, not a more masked one.
    expect((await getActionDetail(id, reviewer))!.argsDisplay).toContain('"to": "jane.doe@example.com"');
    expect((await getActionDetail(id, viewer))!.argsDisplay).toContain('"to": "j•••@example.com"');

    const v = await fieldsOf(id, viewer);
    expect(v.copy).toBe("audit");
    expect(v.fields.to).toBe("j•••@example.com");
    expect(v.fields.body).not.toContain("7946");

    const row = await db().action.findUniqueOrThrow({ where: { id } });
    const stored = JSON.stringify(row);
    expect(stored).not.toContain("jane.doe@example.com");
    expect(stored).not.toContain(stripe);
    expect(JSON.stringify(await db().auditEvent.findMany({ where: { actionId: id } }))).not.toContain("jane.doe@example.com");
    expect(JSON.stringify(await db().webhookDelivery.findMany())).not.toContain("jane.doe@example.com");
  });

  it("the sealed copy opens only for its own action id: moved to another row, that card shows its audit copy", async () => {
    const a = await proposeEmail("alice@example.com", "A");
    const b = await proposeEmail("bob@example.com", "B");
    const rowA = await db().action.findUniqueOrThrow({ where: { id: a } });
    expect(openCardCopy(a, rowA.argsCardSealed!)).toMatchObject({ to: "alice@example.com" });
    expect(openCardCopy(b, rowA.argsCardSealed!)).toBeNull();
    // One flipped ciphertext bit (not a base64 padding bit: the bytes are decoded and re-encoded).
    const [v, iv, tag, ct] = rowA.argsCardSealed!.split(".");
    const bytes = Buffer.from(ct!, "base64url");
    bytes[0] = bytes[0]! ^ 1;
    expect(openCardCopy(a, [v, iv, tag, bytes.toString("base64url")].join("."))).toBeNull();
    expect(openCardCopy(a, sealCardCopy(b, { to: "x@example.com" }))).toBeNull();

    await db().action.update({ where: { id: b }, data: { argsCardSealed: rowA.argsCardSealed } });
    const r = await fieldsOf(b, reviewer);
    expect(r.copy).toBe("audit");
    expect(r.fields.to).toBe("b•••@example.com");
    expect(JSON.stringify(r)).not.toContain("alice");
  });

  it("after the retention that follows the final state, the copy is reduced to the audit copy (audited); before it, and while pending, it stays", async () => {
    const id = await proposeEmail("carol@example.com", "C");
    // Pending is not final: nothing to reduce, whatever the retention.
    expect(await reduceCardCopyIfDue(id, new Date(Date.now() + 365 * 86_400_000), 0)).toBe(false);
    await voteOnAction({ actionId: id, userId: reviewer.id, vote: "reject", rejectReason: "no" });
    const row = await db().action.findUniqueOrThrow({ where: { id } });
    const final = finalStateAt(row)!;
    expect(final.getTime()).toBe(row.decidedAt!.getTime());
    const hour = 3_600_000;
    expect(await reduceCardCopyIfDue(id, new Date(final.getTime() + hour - 1), hour)).toBe(false);
    expect((await fieldsOf(id, reviewer)).fields.to).toBe("carol@example.com");

    expect(await reduceCardCopyIfDue(id, new Date(final.getTime() + hour), hour)).toBe(true);
    expect(await reduceCardCopyIfDue(id, new Date(final.getTime() + 2 * hour), hour)).toBe(false);
    const after = await db().action.findUniqueOrThrow({ where: { id } });
    expect(after.argsCardSealed).toBeNull();
    expect(after.cardReducedAt).not.toBeNull();
    const r = await fieldsOf(id, reviewer);
    expect(r.copy).toBe("audit");
    expect(r.fields.to).toBe("c•••@example.com");
    const ev = await db().auditEvent.findFirstOrThrow({ where: { actionId: id, type: "action.card_copy_reduced" } });
    expect(JSON.parse(ev.data)).toMatchObject({ retention_seconds: 3600 });
  });

  it("the sweep reduces what is due (GATEHOUSE_CARD_COPY_RETENTION_SECONDS after the final state) and leaves pending actions alone", async () => {
    const pending = await proposeEmail("dave@example.com", "D");
    const done = await proposeEmail("erin@example.com", "E");
    await voteOnAction({ actionId: done, userId: reviewer.id, vote: "reject", rejectReason: "no" });
    const later = new Date(Date.now() + 8 * 86_400_000); // past the default 7 days
    expect(await reduceDueCardCopies(500, later)).toBeGreaterThanOrEqual(1);
    expect((await db().action.findUniqueOrThrow({ where: { id: done } })).argsCardSealed).toBeNull();
    expect((await db().action.findUniqueOrThrow({ where: { id: pending } })).argsCardSealed).not.toBeNull();
  });
});

describe("display specs in the catalog", () => {
  const email = () => structuredClone(DEMO_TOOLS.find((t) => t.name === "email.send")!);

  it("a field the args schema lacks is refused (422), nothing changes", async () => {
    const before = await db().tool.findUniqueOrThrow({ where: { name: "email.send" } });
    await expect(saveTool({ entry: { ...email(), displaySpec: { fields: [{ field: "cc", visibility: "show" }] } }, mode: "update", actorId: admin1 })).rejects.toMatchObject({
      code: "validation_failed",
      status: 422,
      issues: [{ path: "displaySpec.fields.0.field", message: "The args schema has no field `cc`." }],
    });
    expect(await db().tool.findUniqueOrThrow({ where: { name: "email.send" } })).toEqual(before);
  });

  it("masking or hiding a field waits for a second admin; the requester cannot approve it; showing more applies at once", async () => {
    const spec = {
      fields: [
        { field: "to", visibility: "mask" as const },
        { field: "body", visibility: "hide" as const },
      ],
    };
    const r = await saveTool({ entry: { ...email(), displaySpec: spec }, mode: "update", actorId: admin1 });
    expect(r).toMatchObject({
      status: "pending",
      widening: ["email.send: Masks `to` on the approval card (was show).", "email.send: Hides `body` on the approval card (was show)."],
    });
    if (r.status !== "pending") return;
    const id = await proposeEmail("frank@example.com", "F");
    expect((await fieldsOf(id, reviewer)).fields.to).toBe("frank@example.com");
    await expect(approveToolChange({ requestSeq: r.requestSeq, actorId: admin1 })).rejects.toMatchObject({ status: 403 });
    await approveToolChange({ requestSeq: r.requestSeq, actorId: admin2 });
    const masked = await fieldsOf(id, reviewer);
    expect(masked.fields.to).toBe("f•••@example.com");
    expect(masked.masked).toContain("to");
    expect(masked.hidden).toEqual(["Body"]);
    expect(Object.keys(masked.fields)).not.toContain("body");
    // Nor does the raw view show what the spec masks or hides.
    const raw = (await getActionDetail(id, reviewer))!.argsDisplay;
    expect(raw).not.toContain("frank@example.com");
    expect(raw).toContain('"to": "f•••@example.com"');

    expect(await saveTool({ entry: email(), mode: "update", actorId: admin1 })).toEqual({ status: "saved" });
    expect((await fieldsOf(id, reviewer)).fields.body).toBe("F");
  });

  it("a pending spec change cannot be approved once the spec changed under it", async () => {
    const r = await saveTool({ entry: { ...email(), displaySpec: { fields: [{ field: "subject", visibility: "mask" }] } }, mode: "update", actorId: admin1 });
    if (r.status !== "pending") throw new Error("expected pending");
    // Another (narrowing) edit lands first: showing everything again under a different order.
    expect(await saveTool({ entry: { ...email(), displaySpec: { fields: [{ field: "body", visibility: "show" }] } }, mode: "update", actorId: admin2 })).toEqual({
      status: "saved",
    });
    await expect(approveToolChange({ requestSeq: r.requestSeq, actorId: admin2 })).rejects.toMatchObject({ code: "conflict" });
  });
});
