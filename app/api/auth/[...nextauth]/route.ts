// /api/auth/* — next-auth (sign-in, sign-out, session, CSRF, OIDC callback); a rate-limited sign-in answers 429
export { nextAuthRoute as GET, nextAuthPostRoute as POST } from "@/lib/auth/next-auth-route";
