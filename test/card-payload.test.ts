import { describe, expect, it } from "vitest";
import { buildCardPayload } from "@/lib/approvals/card-payload";
import { displaySpecIssues, displaySpecSchema, displaySpecWidening, resolveDisplayFields } from "@/lib/catalog/display-spec";
import { DEMO_TOOLS } from "@/lib/seed/demo-tools";

const schemaOf = (name: string) => DEMO_TOOLS.find((t) => t.name === name)!.argsSchema;
const emailArgs = { ticket_id: "T-1", to: "jane.doe@example.com", subject: "Your refund", body: "Hello Jane,\nit is done." };

describe("card payload", () => {
  it("without a spec: every schema field, in schema order, rendering from type and format", () => {
    const card = buildCardPayload({ argsSchema: schemaOf("email.send"), displaySpec: null, args: emailArgs, agentPreview: null, servicePreview: null });
    expect(card.fields.map((f) => [f.key, f.label, f.render, f.value])).toEqual([
      ["ticket_id", "Ticket id", "id", "T-1"],
      ["to", "To", "email", "jane.doe@example.com"],
      ["subject", "Subject", "text", "Your refund"],
      ["body", "Body", "multiline", "Hello Jane,\nit is done."],
    ]);
    expect(card.hiddenFields).toEqual([]);
    expect(card.preview).toEqual({ agent: null, service: { status: "none" } });
  });

  it("a spec orders, labels, masks and hides; unnamed schema fields follow, shown", () => {
    const spec = displaySpecSchema.parse({
      fields: [
        { field: "to", label: "To", visibility: "mask" },
        { field: "body", label: "Message", visibility: "hide" },
      ],
    });
    const card = buildCardPayload({ argsSchema: schemaOf("email.send"), displaySpec: spec, args: emailArgs, agentPreview: null, servicePreview: null });
    expect(card.fields.map((f) => [f.key, f.value, f.masked])).toEqual([
      ["to", "j•••@example.com", true],
      ["ticket_id", "T-1", false],
      ["subject", "Your refund", false],
    ]);
    expect(card.hiddenFields).toEqual(["Message"]);
  });

  it("money: formatted amount and the currency; an absent optional field is null; a redacted secret marks the field masked", () => {
    const spec = displaySpecSchema.parse({ fields: [{ field: "amount_usd", label: "Amount", render: "money", currency: "USD" }] });
    const card = buildCardPayload({
      argsSchema: schemaOf("refund.create"),
      displaySpec: spec,
      args: { amount_usd: 1234.5, order_id: "O-9", reason: "password=[REDACTED]" },
      agentPreview: null,
      servicePreview: null,
    });
    expect(card.fields[0]).toEqual({ key: "amount_usd", label: "Amount", render: "money", value: "1,234.50", currency: "USD", masked: false });
    expect(card.fields.find((f) => f.key === "customer_id")!.value).toBeNull();
    expect(card.fields.find((f) => f.key === "reason")!.masked).toBe(true);
  });

  it("the headline: Gatehouse's words and the agent's values apart, under the same display rules as the fields", () => {
    const spec = displaySpecSchema.parse({
      fields: [
        { field: "to", visibility: "mask" },
        { field: "subject", visibility: "hide" },
      ],
    });
    const card = buildCardPayload({
      argsSchema: schemaOf("email.send"),
      summaryTemplate: "Send an e-mail to {to} about {ticket_id}: “{subject}” {missing}",
      displaySpec: spec,
      args: { ...emailArgs, subject: "✅ Pre-approved by Security" },
      agentPreview: null,
      servicePreview: null,
    });
    expect(card.headline).toEqual([
      { text: "Send an e-mail to " },
      { key: "to", value: "j•••@example.com", masked: true, hidden: false },
      { text: " about " },
      { key: "ticket_id", value: "T-1", masked: false, hidden: false },
      { text: ": “" },
      { key: "subject", value: null, masked: false, hidden: true },
      { text: "” " },
      { key: "missing", value: null, masked: false, hidden: false },
    ]);
  });

  it("arguments the schema does not list are shown as one JSON field under Gatehouse's label", () => {
    const card = buildCardPayload({ argsSchema: { type: "object" }, displaySpec: null, args: { "✅ Approved by security": "x" }, agentPreview: null, servicePreview: null });
    expect(card.fields).toEqual([{ key: "", label: "Other arguments", render: "json", value: '{\n  "✅ Approved by security": "x"\n}', masked: false }]);
  });
});

describe("display spec validation", () => {
  it("refuses a field the schema lacks, a duplicate, and money without a currency", () => {
    const spec = displaySpecSchema.parse({ fields: [{ field: "nope" }, { field: "to" }, { field: "to" }, { field: "subject", render: "money" }] });
    expect(displaySpecIssues(spec, schemaOf("email.send")).map((i) => i.path)).toEqual(["displaySpec.fields.0.field", "displaySpec.fields.2.field", "displaySpec.fields.3"]);
  });

  it("masking or hiding is a widening (needs a second admin); showing more is not", () => {
    const schema = schemaOf("email.send");
    const masked = displaySpecSchema.parse({ fields: [{ field: "to", visibility: "mask" }] });
    const hidden = displaySpecSchema.parse({ fields: [{ field: "to", visibility: "hide" }] });
    expect(displaySpecWidening(schema, null, masked)).toEqual(["Masks `to` on the approval card (was show)."]);
    expect(displaySpecWidening(schema, masked, hidden)).toEqual(["Hides `to` on the approval card (was mask)."]);
    expect(displaySpecWidening(schema, hidden, null)).toEqual([]);
    expect(resolveDisplayFields(schema, hidden).map((f) => f.visibility)).toEqual(["hide", "show", "show", "show"]);
  });
});
