/** The texts the sign-in form shows (the e2e suite matches on them). */
export const SIGN_IN_MESSAGES = {
  invalid: "Invalid email or password",
  rateLimited: "Too many attempts — try again in a minute",
  oidcRefused: "That account is not allowed to sign in to Gatehouse",
  unavailable: "Sign-in is unavailable right now; try again",
} as const;

/** Map next-auth's error (or HTTP status) to what the user reads. */
export function signInMessage(error: string | null | undefined, status?: number): string | null {
  if (!error && (status === undefined || status < 400)) return null;
  if (status === 429 || error === "RATE_LIMITED") return SIGN_IN_MESSAGES.rateLimited;
  if (error === "CredentialsSignin") return SIGN_IN_MESSAGES.invalid;
  if (error === "AccessDenied") return SIGN_IN_MESSAGES.oidcRefused;
  if (status === 401) return SIGN_IN_MESSAGES.invalid;
  return SIGN_IN_MESSAGES.unavailable;
}
