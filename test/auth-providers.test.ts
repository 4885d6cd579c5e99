import { describe, expect, it } from "vitest";
import { buildProviders, OIDC_PROVIDER_ID } from "@/lib/auth/auth-options";
import { parseEnv } from "@/lib/env";

const base = { OIDC_NAME: "SSO" } as const;

describe("sign-in providers from configuration", () => {
  it("without OIDC settings only email + password is offered", () => {
    const providers = buildProviders({ ...base, OIDC_ISSUER: undefined, OIDC_CLIENT_ID: undefined, OIDC_CLIENT_SECRET: undefined });
    expect(providers.map((p) => p.id)).toEqual(["credentials"]);
  });

  it("with issuer, client id and secret a generic OIDC provider is added (PKCE + state, id token)", () => {
    const providers = buildProviders({
      OIDC_NAME: "Okta",
      OIDC_ISSUER: "https://id.example.com/",
      OIDC_CLIENT_ID: "client-1",
      OIDC_CLIENT_SECRET: "s3cret",
    });
    expect(providers.map((p) => p.id)).toEqual(["credentials", OIDC_PROVIDER_ID]);
    const oidc = providers[1] as unknown as Record<string, unknown>;
    expect(oidc).toMatchObject({
      type: "oauth",
      name: "Okta",
      wellKnown: "https://id.example.com/.well-known/openid-configuration",
      clientId: "client-1",
      clientSecret: "s3cret",
      idToken: true,
      checks: ["pkce", "state"],
    });
  });

  it("a partial OIDC configuration adds no provider, and the env module refuses it at start", () => {
    expect(buildProviders({ ...base, OIDC_ISSUER: "https://id.example.com", OIDC_CLIENT_ID: undefined, OIDC_CLIENT_SECRET: undefined })).toHaveLength(1);
    expect(() =>
      parseEnv({ NODE_ENV: "test", GATEHOUSE_SESSION_SECRET: "x".repeat(32), GATEHOUSE_AT_REST_KEY: "A".repeat(43) + "=", OIDC_ISSUER: "https://id.example.com" }),
    ).toThrow(/OIDC_CLIENT_ID/);
  });
});
