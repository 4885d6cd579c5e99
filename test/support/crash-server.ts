/**
 * The bare agent API server as its own process, for tests that must kill it
 * (kill -9) or run it under another user. Configured only through the
 * environment (DATABASE_URL, GATEHOUSE_DATA_DIR, secrets); prints
 * `LISTENING <url>` once it accepts requests.
 *
 *   npx tsx --import ./scripts/register-server-only.mjs test/support/crash-server.ts
 */
import { startAgentServer } from "./agent-server";

const server = await startAgentServer();
process.stdout.write(`LISTENING ${server.url}\n`);
