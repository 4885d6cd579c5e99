import http from "node:http";
import net from "node:net";
import Provider from "oidc-provider";

// A real OpenID Connect provider for tests: panva's certified `oidc-provider` on loopback, with
// its own login and consent pages (devInteractions: any password is accepted for a known login),
// one confidential client for Gatehouse (code flow, PKCE, client_secret_basic) and test accounts
// whose `groups` claim a test can change while sessions are live. Group and e-mail claims are put
// into the ID token too (conformIdTokenClaims off), as Okta and Entra ID do for a groups claim.

export type TestAccount = { email: string; name: string; groups: string[]; emailVerified?: boolean };
export type TestOidcProvider = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  /** The env a Gatehouse server needs to use this provider. */
  gatehouseEnv: Record<string, string>;
  stop: () => Promise<void>;
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Start the provider; `redirectOrigins` are the Gatehouse origins allowed to receive the code. */
export async function startOidcProvider(opts: { redirectOrigins: string[]; accounts: Record<string, TestAccount>; port?: number }): Promise<TestOidcProvider> {
  const port = opts.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = "gatehouse-test";
  const clientSecret = "gatehouse-test-client-secret-0123456789";
  const accounts = new Map(Object.entries(opts.accounts));
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: opts.redirectOrigins.map((o) => `${o}/api/auth/callback/oidc`),
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    async findAccount(_ctx, id) {
      const a = accounts.get(id);
      if (!a) return undefined;
      return {
        accountId: id,
        // Read at every call: a group change shows in the next ID token and userinfo answer.
        claims: async () => {
          const now = accounts.get(id);
          return { sub: id, email: now?.email, email_verified: now?.emailVerified ?? true, name: now?.name, groups: now ? [...now.groups] : [] };
        },
      };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    scopes: ["openid", "email", "profile", "groups", "offline_access"],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["test-oidc-cookie-key-0123456789abcdef"] },
    ttl: { AccessToken: 3600, IdToken: 3600, Session: 3600, Interaction: 600, Grant: 3600, RefreshToken: 86400 },
  });
  const server = http.createServer(provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    gatehouseEnv: {
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: clientId,
      OIDC_CLIENT_SECRET: clientSecret,
      OIDC_NAME: "Test IdP",
      OIDC_SCOPES: "openid email profile groups",
    },
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
