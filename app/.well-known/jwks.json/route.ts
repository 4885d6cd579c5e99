// GET /.well-known/jwks.json — public keys that verify capability tokens
export { getJwks as GET } from "@/lib/api/v1/jwks";

// Route segment config must be written in the route file itself (Next.js reads it statically).
export const dynamic = "force-dynamic";
