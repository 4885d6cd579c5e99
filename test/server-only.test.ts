import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clientImportedLibModules, hasServerOnly, serverModules, valueImports, withServerOnly } from "@/scripts/server-modules";

// Every server module starts with `import "server-only"`, so Next.js fails the build when a
// client component reaches one (a secret, the database or node:fs in the browser bundle).
// Which modules count is defined in scripts/server-modules.ts.
const root = path.resolve(import.meta.dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");

describe("server-only", () => {
  const server = serverModules();

  it("finds the server modules (the database, the env module, the sign-in code are among them)", () => {
    expect(server).toEqual(expect.arrayContaining(["lib/db/client.ts", "lib/env.ts", "lib/auth/password.ts", "lib/crypto/seal.ts"]));
    expect(server).not.toContain("lib/policy/decide.ts");
  });

  it("every server module in lib/ imports server-only", () => {
    const missing = server.filter((f) => !hasServerOnly(read(f)));
    expect(missing, `these server modules lack \`import "server-only";\` — add it with: npx tsx scripts/add-server-only.ts\n  ${missing.join("\n  ")}`).toEqual([]);
  });

  it("no client component imports a server module", () => {
    expect(clientImportedLibModules().filter((c) => server.includes(c.module))).toEqual([]);
  });

  it("type-only imports do not make a module a server module; value imports and re-exports do", () => {
    const src = [
      'import type { Tx } from "@/lib/db/client";',
      'import { type Sql } from "@/lib/db/sql";',
      'import { decide } from "@/lib/policy/decide";',
      'export { env } from "@/lib/env";',
      'import "server-only";',
    ].join("\n");
    expect(valueImports(src)).toEqual(["@/lib/policy/decide", "@/lib/env", "server-only"]);
  });

  it("the codemod puts the import first, keeps a 'use server' directive first, and is idempotent", () => {
    expect(withServerOnly('import x from "y";\n')).toBe('import "server-only";\nimport x from "y";\n');
    expect(withServerOnly('"use server";\nimport x from "y";\n')).toBe('"use server";\nimport "server-only";\nimport x from "y";\n');
    expect(withServerOnly(withServerOnly("export {};\n"))).toBe('import "server-only";\nexport {};\n');
  });
});
