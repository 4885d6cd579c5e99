import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// scripts/db-new-migration.ts writes prisma/migrations/schema.snapshot.prisma as a copy of
// the schema it made migrations for. A schema that differs from it has changes that no
// migration applies: the generated client would expect columns the database lacks.
const root = path.resolve(import.meta.dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

/** The first line where two texts differ, 1-based, as "line N: a | b". */
function firstDifference(a: string, b: string): string {
  const al = a.split("\n");
  const bl = b.split("\n");
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `line ${i + 1}: schema ${JSON.stringify(al[i] ?? "<end>")}, snapshot ${JSON.stringify(bl[i] ?? "<end>")}`;
  }
  return "none";
}

describe("schema and migrations", () => {
  it("prisma/schema.prisma equals the snapshot of the last migration (no schema edit without a migration)", () => {
    const schema = read("prisma/schema.prisma");
    const snapshot = read("prisma/migrations/schema.snapshot.prisma");
    expect(
      schema === snapshot,
      `prisma/schema.prisma differs from prisma/migrations/schema.snapshot.prisma (first difference at ${firstDifference(schema, snapshot)}). ` +
        "Write the migration for both providers and refresh the snapshot with: npx tsx scripts/db-new-migration.ts <snake_case_name>",
    ).toBe(true);
  });
});
