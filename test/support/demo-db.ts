import { seedDemo } from "@/lib/seed/seed-demo";
import { freshDb } from "./db";
import { DEMO_PASSWORD_HASHES } from "./demo-password-hashes";

/**
 * The set-up most test files share: a fresh, migrated database (freshDb) with the demo
 * seed, whose users get the precomputed hashes of their passwords instead of six argon2
 * runs per file. Pair it with startAgentServer() for the agent API on a real server.
 */
export async function freshDemoDb(): Promise<Awaited<ReturnType<typeof freshDb>>> {
  const fresh = await freshDb();
  await seedDemo({ passwordHashes: DEMO_PASSWORD_HASHES });
  return fresh;
}
