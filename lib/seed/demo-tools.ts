import type { ToolEntry } from "@/lib/policy/types";
import type { DisplaySpec } from "@/lib/catalog/display-spec";

/**
 * The essay's 14 demo tools (DEMO ONLY). Reads and writes are split, write
 * tools are narrow, and every args schema is small and closed
 * (`additionalProperties: false`) so an approval card stays readable. The write
 * tools carry display specs: how their card renders the arguments.
 */

const TICKET_ID = { type: "string", pattern: "^T-\\d{1,12}$", description: "Ticket id, e.g. T-18421" } as const;
const CUSTOMER_ID = { type: "string", pattern: "^C-\\d{1,12}$", description: "Customer id, e.g. C-1042" } as const;
const EMAIL = { type: "string", format: "email", maxLength: 254 } as const;

const obj = (properties: Record<string, unknown>, required: string[]) => ({
  type: "object",
  properties,
  required,
  additionalProperties: false,
});

// An e-mail card reads as an e-mail: who it goes to, the subject, the body; the ticket last.
const EMAIL_CARD: DisplaySpec = {
  fields: [
    { field: "to", label: "To", render: "email", visibility: "show" },
    { field: "subject", label: "Subject", render: "text", visibility: "show" },
    { field: "body", label: "Body", render: "multiline", visibility: "show" },
    { field: "ticket_id", label: "Ticket", render: "id", visibility: "show" },
  ],
};

const readOnly = { reversible: false, note: "Read only: it changes nothing, so there is nothing to undo." } as const;

export const DEMO_TOOLS: ToolEntry[] = [
  {
    name: "kb.search",
    kind: "read",
    description: "Search the support knowledge base.",
    argsSchema: obj({ query: { type: "string", minLength: 1, maxLength: 500 }, limit: { type: "integer", minimum: 1, maximum: 20 } }, ["query"]),
    summaryTemplate: "Search the knowledge base for “{query}”",
    blastRadius: { scope: "knowledge base articles (read only)", records: 0, description: "Reads published articles; no customer data." },
    undo: readOnly,
  },
  {
    name: "tickets.get",
    kind: "read",
    description: "Read one support ticket with its thread.",
    argsSchema: obj({ ticket_id: TICKET_ID }, ["ticket_id"]),
    summaryTemplate: "Read ticket {ticket_id}",
    blastRadius: { scope: "one ticket (read only)", records: 1, description: "Reads one ticket, including the customer's messages." },
    undo: readOnly,
  },
  {
    name: "customers.get",
    kind: "read",
    description: "Read one customer's profile.",
    argsSchema: obj({ customer_id: CUSTOMER_ID }, ["customer_id"]),
    summaryTemplate: "Read customer {customer_id}",
    blastRadius: { scope: "one customer profile (read only)", records: 1, description: "Reads name, e-mail, plan and open tickets of one customer." },
    undo: readOnly,
  },
  {
    name: "ticket.create",
    kind: "write",
    description: "Open a new ticket for a customer.",
    argsSchema: obj(
      {
        customer_id: CUSTOMER_ID,
        subject: { type: "string", minLength: 1, maxLength: 200 },
        body: { type: "string", minLength: 1, maxLength: 2000 },
        priority: { type: "string", enum: ["low", "normal", "high", "urgent"] },
      },
      ["customer_id", "subject", "body"],
    ),
    summaryTemplate: "Open a ticket for {customer_id}: “{subject}”",
    blastRadius: { scope: "one new ticket", records: 1, description: "Creates one ticket; the customer is notified by e-mail." },
    undo: { reversible: true, via: "ticket.close", note: "Close the ticket as created in error (the customer already got the notice)." },
    displaySpec: {
      fields: [
        { field: "customer_id", label: "Customer", render: "id", visibility: "show" },
        { field: "subject", label: "Subject", render: "text", visibility: "show" },
        { field: "body", label: "Body", render: "multiline", visibility: "show" },
        { field: "priority", label: "Priority", render: "enum", visibility: "show" },
      ],
    },
  },
  {
    name: "ticket.update",
    kind: "write",
    description: "Change a ticket's status or priority, or add an internal note.",
    argsSchema: {
      ...obj(
        {
          ticket_id: TICKET_ID,
          status: { type: "string", enum: ["open", "pending", "on_hold"] },
          priority: { type: "string", enum: ["low", "normal", "high", "urgent"] },
          note: { type: "string", minLength: 1, maxLength: 500 },
        },
        ["ticket_id"],
      ),
      minProperties: 2,
    },
    summaryTemplate: "Update ticket {ticket_id}: status {status}, priority {priority}",
    blastRadius: { scope: "one ticket", records: 1, description: "Changes status, priority or notes of one ticket." },
    undo: { reversible: true, via: "ticket.update", note: "Set the previous status and priority back with ticket.update." },
    displaySpec: {
      fields: [
        { field: "ticket_id", label: "Ticket", render: "id", visibility: "show" },
        { field: "status", label: "New status", render: "enum", visibility: "show" },
        { field: "priority", label: "New priority", render: "enum", visibility: "show" },
        { field: "note", label: "Internal note", render: "multiline", visibility: "show" },
      ],
    },
  },
  {
    name: "ticket.close",
    kind: "write",
    description: "Close one ticket with a resolution note.",
    argsSchema: obj({ ticket_id: TICKET_ID, resolution: { type: "string", maxLength: 500 } }, ["ticket_id"]),
    summaryTemplate: "Close ticket {ticket_id}",
    blastRadius: { scope: "one ticket", records: 1, description: "Closes one ticket; the customer gets a 'resolved' e-mail." },
    undo: { reversible: true, via: "ticket.update", note: "Reopen with ticket.update (status \"open\"); the 'resolved' e-mail cannot be recalled." },
    displaySpec: {
      fields: [
        { field: "ticket_id", label: "Ticket", render: "id", visibility: "show" },
        { field: "resolution", label: "Resolution note", render: "multiline", visibility: "show" },
      ],
    },
  },
  {
    name: "email.draft",
    kind: "write",
    description: "Save a reply draft on a ticket. Drafts are never sent by this tool.",
    argsSchema: obj({ ticket_id: TICKET_ID, to: EMAIL, subject: { type: "string", minLength: 1, maxLength: 200 }, body: { type: "string", minLength: 1, maxLength: 5000 } }, [
      "ticket_id",
      "to",
      "subject",
      "body",
    ]),
    summaryTemplate: "Draft a reply on {ticket_id} to {to}: “{subject}”",
    blastRadius: { scope: "one draft on one ticket", records: 1, description: "Saves a draft only; nothing leaves the building." },
    undo: { reversible: true, via: "email.draft", note: "Replace it with a new draft; the old one was never sent." },
    displaySpec: EMAIL_CARD,
  },
  {
    name: "email.send",
    kind: "write",
    description: "Send an e-mail to a customer about a ticket.",
    argsSchema: obj({ ticket_id: TICKET_ID, to: EMAIL, subject: { type: "string", minLength: 1, maxLength: 200 }, body: { type: "string", minLength: 1, maxLength: 5000 } }, [
      "ticket_id",
      "to",
      "subject",
      "body",
    ]),
    summaryTemplate: "Send an e-mail to {to} about {ticket_id}: “{subject}”",
    blastRadius: { scope: "one e-mail to one customer", records: 1, description: "Sends mail outside the company in the company's name." },
    undo: { reversible: false, note: "A sent e-mail cannot be recalled." },
    displaySpec: EMAIL_CARD,
  },
  {
    name: "refund.create",
    kind: "write",
    description: "Refund (part of) one order.",
    argsSchema: obj(
      {
        customer_id: CUSTOMER_ID,
        order_id: { type: "string", pattern: "^O-\\d{1,12}$" },
        amount_usd: { type: "number", exclusiveMinimum: 0, maximum: 500 },
        reason: { type: "string", minLength: 1, maxLength: 500 },
      },
      ["customer_id", "order_id", "amount_usd", "reason"],
    ),
    summaryTemplate: "Refund ${amount_usd} on order {order_id} to {customer_id}",
    blastRadius: { scope: "money on one order (at most $500)", records: 1, description: "Moves money back to the customer's card." },
    undo: { reversible: false, note: "Money that left cannot be pulled back by us." },
    displaySpec: {
      fields: [
        { field: "amount_usd", label: "Amount", render: "money", currency: "USD", visibility: "show" },
        { field: "order_id", label: "Order", render: "id", visibility: "show" },
        { field: "customer_id", label: "Customer", render: "id", visibility: "show" },
        { field: "reason", label: "Reason", render: "multiline", visibility: "show" },
      ],
    },
  },
  {
    name: "db.write",
    kind: "write",
    description: "Generic database write. Deliberately broad — the essay's example of a tool no route should allow.",
    argsSchema: obj({ table: { type: "string", pattern: "^[a-z_]{1,64}$" }, where: { type: "object" }, set: { type: "object", minProperties: 1 } }, ["table", "where", "set"]),
    summaryTemplate: "Write to table {table}",
    blastRadius: { scope: "any rows of any table", records: 1000000, description: "Unbounded: a bad filter rewrites a whole table." },
    undo: { reversible: false, note: "No undo; only a restore from backup." },
  },
  {
    name: "db.read",
    kind: "read",
    description: "Read rows from the observability database.",
    argsSchema: obj({ table: { type: "string", pattern: "^[a-z_]{1,64}$" }, where: { type: "object" }, limit: { type: "integer", minimum: 1, maximum: 100 } }, ["table"]),
    summaryTemplate: "Read from table {table}",
    blastRadius: { scope: "observability tables (read only)", records: 100, description: "Reads at most 100 rows." },
    undo: readOnly,
  },
  {
    name: "web.search",
    kind: "read",
    description: "Search the public web.",
    argsSchema: obj({ query: { type: "string", minLength: 1, maxLength: 500 }, max_results: { type: "integer", minimum: 1, maximum: 10 } }, ["query"]),
    summaryTemplate: "Search the web for “{query}”",
    blastRadius: { scope: "public web (read only)", records: 0, description: "The query itself leaves the company." },
    undo: readOnly,
  },
  {
    name: "http.get",
    kind: "read",
    description: "Fetch one public HTTPS page.",
    argsSchema: obj({ url: { type: "string", pattern: "^https://", maxLength: 2000 } }, ["url"]),
    summaryTemplate: "Fetch {url}",
    blastRadius: { scope: "one public web page (read only)", records: 0, description: "One GET request to a public HTTPS address." },
    undo: readOnly,
  },
  {
    name: "customer.delete",
    kind: "destructive",
    description: "Erase a customer and everything linked to them (GDPR erasure).",
    argsSchema: obj({ customer_id: CUSTOMER_ID }, ["customer_id"]),
    summaryTemplate: "Delete customer {customer_id} and all their data",
    blastRadius: {
      scope: "one customer's record, tickets and history",
      records: 1,
      description: "Erases the profile plus every ticket, note and e-mail linked to it.",
    },
    undo: { reversible: false, note: "Irreversible: erased data is gone, backups included after 30 days." },
    displaySpec: { fields: [{ field: "customer_id", label: "Customer to erase", render: "id", visibility: "show" }] },
  },
];

/** The tools examples/ticket-service.ts answers previews for. */
export const DEMO_PREVIEW_TOOLS = ["ticket.update", "ticket.close", "refund.create"] as const;

/**
 * DEMO ONLY: with the demo tool service's base URL (GATEHOUSE_DEMO_TOOL_SERVICE_URL), point the
 * ticket and refund tools' preview endpoints at it (`<url>/preview/<tool>`, a loopback address allowed).
 */
export function withDemoPreviews(tools: ToolEntry[], serviceUrl: string | undefined): ToolEntry[] {
  if (!serviceUrl) return tools;
  const base = serviceUrl.replace(/\/+$/, "");
  return tools.map((t) => ((DEMO_PREVIEW_TOOLS as readonly string[]).includes(t.name) ? { ...t, preview: { url: `${base}/preview/${t.name}`, allowPrivate: true } } : t));
}
