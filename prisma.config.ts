import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";

// The CLI is used offline only: `prisma generate` and `prisma migrate diff`
// (see scripts/db-new-migration.ts). Migrations are applied by lib/db/migrate.ts.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  adapter: async () => new PrismaBetterSQLite3({ url: "file:./data/prisma-cli.db" }),
});
