// GET /.well-known/jwks.json — public keys that verify capability tokens
import { handler, json } from "@/lib/http/handler";
import { publicJwks } from "@/lib/tokens/signing-keys";

export const dynamic = "force-dynamic";

export const GET = handler(async () => json(await publicJwks(), 200, { "Cache-Control": "public, max-age=60" }));
