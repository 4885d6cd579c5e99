import { closeDb } from "@/lib/db/client";
import { bootstrapAdmin } from "@/lib/users/bootstrap-admin";

// `GATEHOUSE_ADMIN_PASSWORD=… npm run admin:bootstrap -- <email> [name]`: make (or
// restore) an admin from the host while fewer than two admins are enabled — how a
// fresh production install gets its first two admins (the console's grants need a
// second admin). Refuses once two are enabled.

async function main(): Promise<void> {
  const [email, name] = process.argv.slice(2);
  const password = process.env.GATEHOUSE_ADMIN_PASSWORD;
  if (!email || !password) {
    console.error("usage: GATEHOUSE_ADMIN_PASSWORD=<10+ characters> npm run admin:bootstrap -- <email> [name]");
    process.exit(2);
  }
  try {
    const r = await bootstrapAdmin({ email, name: name ?? email.split("@")[0]!, password });
    console.log(`${r.created ? "created" : "restored"} admin ${email.trim().toLowerCase()} (${r.id})`);
  } finally {
    await closeDb();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`admin bootstrap refused: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
