import type { Environment, Policy } from "@/lib/policy/types";
import type { Expectation } from "@/lib/policy/expectations";
import { DEMO_TOOLS } from "@/lib/seed/demo-tools";

/**
 * DEMO ONLY. Everything in this file is public (it is in the README): the
 * passwords and agent keys below exist so a fresh `npm start` has something to
 * click through. Production mode never seeds them. Pure data, no I/O.
 */

export { DEMO_TOOLS };

export const DEMO_TENANTS: { id: string; name: string }[] = [
  { id: "acme", name: "Acme Corp" },
  { id: "globex", name: "Globex" },
];

export type DemoUser = { email: string; name: string; password: string; roles: string[] };

export const DEMO_USERS: DemoUser[] = [
  { email: "admin@gatehouse.local", name: "Ada Admin", password: "admin-demo", roles: ["admin"] },
  { email: "admin2@gatehouse.local", name: "Alan Admin", password: "admin2-demo", roles: ["admin"] },
  { email: "reviewer@gatehouse.local", name: "Rita Reviewer", password: "reviewer-demo", roles: ["reviewer"] },
  { email: "reviewer2@gatehouse.local", name: "Rob Reviewer", password: "reviewer2-demo", roles: ["reviewer"] },
  { email: "viewer@gatehouse.local", name: "Vic Viewer", password: "viewer-demo", roles: ["viewer"] },
  { email: "oncall@gatehouse.local", name: "Otto On-call", password: "oncall-demo", roles: ["oncall", "reviewer"] },
];

export type DemoAgent = {
  name: string;
  key: string;
  tenant: string;
  env: Environment;
  routes: string[];
  /** Demo only: callback hosts this agent may target although they are inside (loopback, for local development). */
  callbackAllowlist?: string[];
  /** Demo only: a fixed, public callback secret, printed with the other demo credentials. */
  callbackSecret?: string;
};

/**
 * Fixed demo agent keys, shaped like real ones (`gh_<12 hex>_<43 chars>`) but
 * spelling out that they are not secret. Never reuse them outside a demo.
 */
export const DEMO_AGENTS: DemoAgent[] = [
  { name: "acme-support", key: "gh_ac0e00000001_DEMO-ONLY-acme-support-not-a-secret-xxxxxxx", tenant: "acme", env: "prod", routes: ["support/draft", "support/send"] },
  {
    name: "acme-support-staging",
    key: "gh_ac0e00000002_DEMO-ONLY-acme-support-staging-not-a-secret",
    tenant: "acme",
    env: "staging",
    routes: ["support/draft", "support/send"],
  },
  { name: "globex-support", key: "gh_910be0000001_DEMO-ONLY-globex-support-not-a-secret-xxxxx", tenant: "globex", env: "prod", routes: ["support/draft", "support/send"] },
  { name: "acme-research", key: "gh_ac0e00000003_DEMO-ONLY-acme-research-not-a-secret-xxxxxx", tenant: "acme", env: "dev", routes: ["research"] },
  { name: "acme-ops", key: "gh_ac0e00000004_DEMO-ONLY-acme-ops-not-a-secret-xxxxxxxxxxx", tenant: "acme", env: "prod", routes: ["ops/triage"] },
  // The local-callback path (README "Callbacks on your machine"): its callback_url may be a loopback address,
  // and its callback secret is public. Demo data: production never seeds it and refuses to start while it is live.
  {
    name: "acme-dev-callbacks",
    key: "gh_ac0e00000005_DEMO-ONLY-acme-callbacks-not-a-secret-xxxxx",
    tenant: "acme",
    env: "prod",
    routes: ["support/draft", "support/send"],
    callbackAllowlist: ["127.0.0.1", "::1", "localhost"],
    callbackSecret: "whsec_REVNTy1PTkxZLWNhbGxiYWNrcy1ub3QtYS1zZWNyZXQ=",
  },
];

export type DemoRoute = { name: string; description: string; policy: Policy; tests: (Expectation & { note: string })[] };

const APPROVAL: Policy["approval"] = { write_approvals: 1, pending_ttl_seconds: 900, escalate_after_seconds: 300, reads_require_approval: false };
const SUPPORT_BUDGETS: Policy["budgets"] = { steps: 25, seconds: 3600, usd: 5 };
const SUPPORT_READS = ["kb.search", "tickets.get", "customers.get"];

export const DEMO_ROUTES: DemoRoute[] = [
  {
    name: "support/draft",
    description: "Read-only support plus reply drafts. Nothing leaves the building.",
    policy: {
      allow_tools: [...SUPPORT_READS, "email.draft"],
      deny_tools: ["email.send", "db.write", "customer.delete", "refund.create"],
      require_approval: [],
      auto_approve: ["email.draft"],
      budgets: SUPPORT_BUDGETS,
      audit: { enabled: true },
      approval: APPROVAL,
    },
    tests: [
      { tool: "email.send", expect: "denied", note: "support/draft must not allow email.send" },
      { tool: "ticket.close", expect: "denied", note: "A read-only route never closes tickets (the essay's incident)." },
      { tool: "email.draft", expect: "allowed", note: "Drafting works without a human." },
      { tool: "kb.search", expect: "allowed", note: "Reads are allowed." },
    ],
  },
  {
    name: "support/send",
    description: "Support that can act: every write needs a human, deletion needs two.",
    policy: {
      allow_tools: [...SUPPORT_READS, "email.draft"],
      deny_tools: ["db.write"],
      require_approval: ["email.send", "ticket.create", "ticket.update", "ticket.close", "refund.create", "customer.delete"],
      auto_approve: ["email.draft"],
      budgets: SUPPORT_BUDGETS,
      audit: { enabled: true },
      approval: APPROVAL,
    },
    tests: [
      { tool: "email.send", expect: "requires_approval", note: "support/send requires approval for email.send" },
      { tool: "refund.create", expect: "requires_approval", note: "Money never moves without a human." },
      { tool: "customer.delete", expect: "requires_approval", note: "Deletion needs two people." },
      { tool: "db.write", expect: "denied", note: "No generic database writes." },
    ],
  },
  {
    name: "research",
    description: "Web research with strict budgets.",
    policy: {
      allow_tools: ["web.search", "http.get", "kb.search"],
      deny_tools: ["db.write", "email.send"],
      require_approval: [],
      auto_approve: [],
      budgets: { steps: 25, seconds: 60, usd: 1.0 },
      audit: { enabled: true },
      approval: APPROVAL,
    },
    tests: [
      { tool: "db.write", expect: "denied", note: "research must not allow db.write" },
      { tool: "email.send", expect: "denied", note: "Research never mails anyone." },
      { tool: "web.search", expect: "allowed", note: "The route's purpose." },
    ],
  },
  {
    name: "ops/triage",
    description: "Read-only observability for incident triage.",
    policy: {
      allow_tools: ["db.read", "tickets.get", "kb.search"],
      deny_tools: ["db.write"],
      require_approval: [],
      auto_approve: [],
      budgets: { steps: 50, seconds: 1800, usd: 2 },
      audit: { enabled: true },
      approval: APPROVAL,
    },
    tests: [
      { tool: "db.write", expect: "denied", note: "Triage reads; it never writes." },
      { tool: "ticket.close", expect: "denied", note: "Triage does not close tickets." },
      { tool: "db.read", expect: "allowed", note: "The route's purpose." },
    ],
  },
];
