import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { derivePostgresSchema, postgresSchemaPath } from "./pg-schema";

// Generate both Prisma clients from the one schema (runs on npm install).
fs.writeFileSync(postgresSchemaPath, derivePostgresSchema(fs.readFileSync(path.join("prisma", "schema.prisma"), "utf8")));
for (const schema of [path.join("prisma", "schema.prisma"), postgresSchemaPath]) {
  execFileSync("npx", ["prisma", "generate", "--schema", schema], { stdio: ["ignore", "ignore", "inherit"] });
}
console.log("generated Prisma clients for sqlite and postgres");
