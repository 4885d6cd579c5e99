import "./production-env";
import path from "node:path";
import { pathToFileURL } from "node:url";

// `tsx --import ./scripts/register-server-only.mjs scripts/serve.ts`: serve an existing production build on PORT — the agent
// API through the bare handler, everything else through Next.js (lib/http/app-server.ts).
// `npm start` runs this after migrating, seeding and building when needed.

export type ServeOptions = { port?: number; hostname?: string };

/** Start serving; SIGINT/SIGTERM close gracefully and exit (130/143, as `next start`). */
export async function serve(options: ServeOptions = {}): Promise<{ port: number }> {
  const { env } = await import("@/lib/env");
  const { startAppServer } = await import("@/lib/http/app-server");
  const { agentRoutes } = await import("@/lib/api/v1/routes");
  const { startBackgroundWork } = await import("@/lib/background");
  const { closeDb } = await import("@/lib/db/client");
  const { assertNoLiveDemoData } = await import("@/lib/seed/demo-presence");

  // `npm start` checked this already (prepare-data.ts); serving a build directly must not skip it.
  if (env().production) await assertNoLiveDemoData();

  const server = await startAppServer({ dir: process.cwd(), port: options.port ?? env().PORT, hostname: options.hostname, routes: agentRoutes });
  // Next.js's instrumentation starts the same work; the second start is a no-op.
  const stopBackground = startBackgroundWork();
  console.log(`gatehouse: serving on http://${options.hostname ?? "localhost"}:${server.port}`);

  let stopping = false;
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(code); // a second signal: no more waiting
      stopping = true;
      console.log(`gatehouse: ${signal}, finishing in-flight requests`);
      server
        .close()
        .then(() => {
          stopBackground();
          return closeDb();
        })
        .catch((err: unknown) => console.error("gatehouse: shutdown", err))
        .finally(() => process.exit(code));
    });
  }
  return { port: server.port };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  serve().catch((err: unknown) => {
    console.error(`gatehouse: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
