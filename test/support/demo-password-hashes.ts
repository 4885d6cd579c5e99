/**
 * argon2id hashes of the demo users' public passwords (lib/seed/demo-data.ts), made once
 * with lib/auth/password.ts's hashPassword, so the suite's seeds skip argon2 (sign-in still
 * verifies them with argon2). test/demo-password-hashes.test.ts checks each against its
 * password and the parameters hashPassword uses; regenerate a line when a demo password changes:
 *   npx tsx --import ./scripts/register-server-only.mjs -e 'import("@/lib/auth/password").then(async (m) => console.log(await m.hashPassword("<password>")))'
 */
export const DEMO_PASSWORD_HASHES: Readonly<Record<string, string>> = {
  "admin@gatehouse.local": "$argon2id$v=19$m=19456,p=1,t=2$T7R36jQ9ksRpVG7ZuUFvkg$wwknw7hV627r1u09QifK8+aH57xPISS54Ovf21BvYSo",
  "admin2@gatehouse.local": "$argon2id$v=19$m=19456,p=1,t=2$iSd849l/qyEKN6FwGJsB3w$4yoeEFV8HtsG1V/9LlDmvAFgz7HNqemoOnFBSJgJ3O8",
  "reviewer@gatehouse.local": "$argon2id$v=19$m=19456,p=1,t=2$wFNS4VljNZLLf378IVtIqQ$8P+sN/PrAYuN8WW8qh824Pw0WxsA7HmfAy3p6amwMgI",
  "reviewer2@gatehouse.local": "$argon2id$v=19$m=19456,p=1,t=2$MhPCfP0XZ0EFQsEhAAF++Q$w1rIYbu3FQAZ6OhBKiqwWlOP/qNaMTnuYSixtm3wuhg",
  "viewer@gatehouse.local": "$argon2id$v=19$m=19456,p=1,t=2$DA0Mnd8Vk13lKeiKweEJQA$LFRzVI8sEwXRUrOOTqws4cbSFP5t4cg/Nmpa3Y8dZ4Y",
  "oncall@gatehouse.local": "$argon2id$v=19$m=19456,p=1,t=2$E1Y5EJLdgJYPqZNfwkdnHQ$1hUxoPjRV80zSiUwYzpsnFgn9uwXGzvNtnBi1nENyfo",
};
