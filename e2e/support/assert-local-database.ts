import path from "node:path";

/**
 * E2E creates users, signs in and trips rate limits, so it must never touch a
 * real database: only a SQLite file inside its own temp directory, or a
 * PostgreSQL server on this machine.
 */
export function assertLocalDatabase(databaseUrl: string | undefined, tempDir: string): void {
  if (databaseUrl === undefined || databaseUrl === "") return;
  if (databaseUrl.startsWith("file:")) {
    const file = path.resolve(databaseUrl.slice("file:".length));
    if (file.startsWith(path.resolve(tempDir) + path.sep)) return;
    throw new Error(`e2e refuses DATABASE_URL ${databaseUrl}: a SQLite file must live in the e2e temp directory ${tempDir}`);
  }
  let host: string;
  try {
    host = new URL(databaseUrl).hostname;
  } catch {
    throw new Error("e2e refuses DATABASE_URL: it is not a valid URL");
  }
  if (["localhost", "127.0.0.1", "::1", "[::1]"].includes(host)) return;
  throw new Error(`e2e refuses DATABASE_URL on host ${host}: only a local database may be used for e2e`);
}
