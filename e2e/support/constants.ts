/**
 * Port of the e2e server; not 3000, so a running `npm start` does not collide.
 * GATEHOUSE_E2E_PORT lets two checkouts run their suites side by side.
 */
export const E2E_PORT = Number(process.env.GATEHOUSE_E2E_PORT ?? 3100);
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;

export type DemoRole = "admin" | "reviewer" | "viewer" | "oncall";

/** Demo accounts from the seed contract (README lists the same). */
export const DEMO_LOGINS: Record<DemoRole, { email: string; password: string; roles: string[] }> = {
  admin: { email: "admin@gatehouse.local", password: "admin-demo", roles: ["admin"] },
  reviewer: { email: "reviewer@gatehouse.local", password: "reviewer-demo", roles: ["reviewer"] },
  viewer: { email: "viewer@gatehouse.local", password: "viewer-demo", roles: ["viewer"] },
  oncall: { email: "oncall@gatehouse.local", password: "oncall-demo", roles: ["oncall", "reviewer"] },
};

/** Accounts that individual tests sign in with themselves, so the shared sessions stay untouched. */
export const ADMIN2 = { email: "admin2@gatehouse.local", password: "admin2-demo" };
export const REVIEWER2 = { email: "reviewer2@gatehouse.local", password: "reviewer2-demo" };

export const storageStatePath = (role: DemoRole) => `e2e/.auth/${role}.json`;

/** The test OpenID Connect provider (e2e/support/test-idp.ts) listens next to the e2e server. */
export const E2E_IDP_PORT = E2E_PORT + 1;
export const E2E_IDP_URL = `http://127.0.0.1:${E2E_IDP_PORT}`;
export const E2E_OIDC_CLIENT = { id: "gatehouse-test", secret: "gatehouse-test-client-secret-0123456789" };

/** Accounts at the test provider (any password): login → claims. Their groups are mapped in e2e/sso.spec.ts. */
export const SSO_ACCOUNTS = {
  "sso-acme": { email: "sso.acme@idp.example", name: "Sso Acme Reviewer", groups: ["e2e-acme-reviewers"] },
  "sso-nobody": { email: "sso.nobody@idp.example", name: "Sso Nobody", groups: ["e2e-unmapped"] },
};
