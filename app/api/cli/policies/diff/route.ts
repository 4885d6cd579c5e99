// POST /api/cli/policies/diff — per route, the changed cells a bundle would make against the active versions (API token, policy:read)
import { tokenHandler } from "@/lib/http/token-guard";
import { json } from "@/lib/http/handler";
import { diffBundle } from "@/lib/policy-bundle/bundle-ops";
import { readBundleBody } from "@/lib/policy-bundle/bundle-body";

export const POST = tokenHandler("policy:read", async (req) => json({ routes: await diffBundle((await readBundleBody(req)).bundle) }));
