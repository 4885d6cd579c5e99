// GET /api/cli/policies/bundle[?format=yaml] — every route's policy and tests and the catalog as one bundle (API token, policy:read)
import { tokenHandler } from "@/lib/http/token-guard";
import { json } from "@/lib/http/handler";
import { exportBundle } from "@/lib/policy-bundle/bundle-ops";
import { bundleToYaml } from "@/lib/policy-bundle/bundle";

export const GET = tokenHandler("policy:read", async (req) => {
  const b = await exportBundle();
  if (new URL(req.url).searchParams.get("format") === "yaml") return new Response(bundleToYaml(b), { headers: { "content-type": "application/yaml; charset=utf-8" } });
  return json(b);
});
