import { startOidcProvider } from "../../test/support/oidc-provider";
import { E2E_BASE_URL, E2E_IDP_PORT, SSO_ACCOUNTS } from "./constants";

// Playwright's second web server: a real OpenID Connect provider (oidc-provider, its own login
// and consent pages) on loopback, with the e2e server as its one client. e2e/support/serve.ts
// points Gatehouse at it (OIDC_ISSUER …), so every e2e run has SSO configured.

const idp = await startOidcProvider({ port: E2E_IDP_PORT, redirectOrigins: [E2E_BASE_URL], accounts: SSO_ACCOUNTS });
console.log(`test IdP at ${idp.issuer}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void idp.stop().then(() => process.exit(0)));
}
