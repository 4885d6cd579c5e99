import fs from "node:fs";
import path from "node:path";

/**
 * Derive the PostgreSQL schema from prisma/schema.prisma (the one model
 * definition): only the provider, the url and the client output differ.
 */
export function derivePostgresSchema(sqliteSchema: string): string {
  const out = sqliteSchema
    .replace('output     = "../lib/db/generated/sqlite"', 'output     = "../lib/db/generated/postgres"')
    .replace('provider = "sqlite"', 'provider = "postgresql"')
    .replace('url      = "file:./dev.db"', 'url      = "postgresql://localhost/gatehouse"');
  if (out === sqliteSchema || !out.includes('"postgresql"') || !out.includes("generated/postgres")) {
    throw new Error("prisma/schema.prisma no longer has the lines scripts/pg-schema.ts swaps");
  }
  return "// GENERATED from prisma/schema.prisma by scripts/pg-schema.ts — do not edit.\n" + out;
}

export const postgresSchemaPath = path.join("prisma", "postgres.prisma");

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const src = fs.readFileSync(path.join("prisma", "schema.prisma"), "utf8");
  fs.writeFileSync(postgresSchemaPath, derivePostgresSchema(src));
  console.log(`wrote ${postgresSchemaPath}`);
}
