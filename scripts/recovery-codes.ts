import { closeDb, db } from "@/lib/db/client";
import { parseRoles } from "@/lib/auth/roles";
import { createRecoveryCodes } from "@/lib/auth/recovery-codes";

// `npm run admin:recovery-codes -- <email>`: print a fresh set of one-time recovery codes for an
// admin (the unspent old ones stop working). From the host only: with GATEHOUSE_PASSWORD_SIGNIN=off
// they are the break-glass sign-in (password + one code) for when the identity provider is down.
// Store them offline, sealed; every use is audited as an alert.

async function main(): Promise<void> {
  const email = process.argv[2]?.trim().toLowerCase();
  if (!email) {
    console.error("usage: npm run admin:recovery-codes -- <admin email>");
    process.exit(2);
  }
  try {
    const user = await db().user.findUnique({ where: { email } });
    if (!user || user.disabled || !parseRoles(user.roles).includes("admin") || !user.passwordHash) {
      throw new Error("recovery codes are only for an enabled admin with a password");
    }
    const codes = await createRecoveryCodes(user.id, { actorType: "system", actorId: null });
    console.log(`recovery codes for ${email} (each signs in once, together with the password):\n${codes.join("\n")}`);
  } finally {
    await closeDb();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`recovery codes refused: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
