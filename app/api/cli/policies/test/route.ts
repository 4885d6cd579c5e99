// POST /api/cli/policies/test — run a bundle's policy tests against its policies with this instance's engine and catalog (API token, policy:read)
import { tokenHandler } from "@/lib/http/token-guard";
import { json } from "@/lib/http/handler";
import { testBundle } from "@/lib/policy-bundle/bundle-ops";
import { readBundleBody } from "@/lib/policy-bundle/bundle-body";

export const POST = tokenHandler("policy:read", async (req) => {
  const routes = await testBundle((await readBundleBody(req)).bundle);
  const ok = routes.every((r) => r.issues.length === 0 && r.results.every((x) => x.ok));
  return json({ ok, routes });
});
