import { closeDb } from "@/lib/db/client";
import { rotateSigningKey } from "@/lib/tokens/signing-keys";

// `npm run keys:rotate`: make a new signing key active. Tokens signed with the
// old key keep verifying; it stays in the JWKS for ten minutes after retirement.

async function main(): Promise<void> {
  try {
    const { kid, retired } = await rotateSigningKey();
    console.log(`new signing key: ${kid}`);
    if (retired.length) console.log(`retired: ${retired.join(", ")} (published for 10 more minutes)`);
  } finally {
    await closeDb();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`key rotation failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
