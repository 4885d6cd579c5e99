import "server-only";
import { handler, json } from "@/lib/http/handler";
import { publicJwks } from "@/lib/tokens/signing-keys";

// GET /.well-known/jwks.json — public keys that verify capability tokens
export const getJwks = handler(async () => json(await publicJwks(), 200, { "Cache-Control": "public, max-age=60" }));
