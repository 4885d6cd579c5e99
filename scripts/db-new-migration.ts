import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { derivePostgresSchema, postgresSchemaPath } from "./pg-schema";

/**
 * Author a migration for both providers, offline: diff the schema snapshot of
 * the last migration against prisma/schema.prisma with `prisma migrate diff`.
 * Usage: npx tsx scripts/db-new-migration.ts <name>
 */
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error("usage: npx tsx scripts/db-new-migration.ts <snake_case_name>");
  process.exit(2);
}
const root = path.join("prisma", "migrations");
const snapshot = path.join(root, "schema.snapshot.prisma");
const current = fs.readFileSync(path.join("prisma", "schema.prisma"), "utf8");
fs.writeFileSync(postgresSchemaPath, derivePostgresSchema(current));
fs.mkdirSync("data", { recursive: true });

const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
const dirName = `${stamp}_${name}`;
for (const provider of ["sqlite", "postgres"] as const) {
  const to = provider === "sqlite" ? path.join("prisma", "schema.prisma") : postgresSchemaPath;
  let fromArgs = ["--from-empty"];
  if (fs.existsSync(snapshot)) {
    const prev = fs.readFileSync(snapshot, "utf8");
    const prevFile = path.join("data", `snapshot-${provider}.prisma`);
    fs.writeFileSync(prevFile, provider === "sqlite" ? prev : derivePostgresSchema(prev));
    fromArgs = ["--from-schema-datamodel", prevFile];
  }
  const sql = execFileSync("npx", ["prisma", "migrate", "diff", ...fromArgs, "--to-schema-datamodel", to, "--script"], {
    encoding: "utf8",
  });
  const dir = path.join(root, provider, dirName);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "migration.sql"), sql);
  console.log(`wrote ${dir}/migration.sql`);
}
fs.writeFileSync(snapshot, current);
