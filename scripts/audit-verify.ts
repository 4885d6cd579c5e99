import { closeDb } from "@/lib/db/client";
import { VERIFY_BATCH, verifyStoredChain } from "@/lib/audit/verify-stored-chain";

// `npm run audit:verify`: walk the whole audit chain and check it against the head row.

/** `--batch N` exists so tests can cross batch boundaries with a handful of rows. */
function batchSizeArg(): number {
  const i = process.argv.indexOf("--batch");
  if (i === -1) return VERIFY_BATCH;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error("--batch needs a positive whole number");
  return n;
}

async function main(): Promise<number> {
  try {
    const outcome = await verifyStoredChain(batchSizeArg());
    if (outcome.ok) {
      console.log(`audit chain OK: ${outcome.count} events`);
      return 0;
    }
    console.log(`audit chain BROKEN at sequence ${outcome.badSeq}: ${outcome.problem}`);
    return 1;
  } finally {
    await closeDb();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`audit verification could not run: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
