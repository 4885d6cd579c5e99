import "server-only";
import { z } from "zod";
import { parseBody } from "@/lib/http/parse-body";
import { parseBundle, type PolicyBundle } from "@/lib/policy-bundle/bundle";

/** Bundles may be larger than a console body. */
export const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;

const body = z.strictObject({ bundle: z.unknown(), reason: z.string().max(1000).optional() });

/** The CLI's request body: `{ bundle, reason? }`; the bundle is checked by parseBundle (422 when it is not one). */
export async function readBundleBody(req: Request): Promise<{ bundle: PolicyBundle; reason: string }> {
  const b = await parseBody(req, body, { limit: MAX_BUNDLE_BYTES });
  return { bundle: parseBundle(JSON.stringify(b.bundle ?? null)), reason: b.reason ?? "" };
}
