import fs from "node:fs";
import path from "node:path";
import { hasServerOnly, serverModules, withServerOnly } from "./server-modules";

// `npx tsx scripts/add-server-only.ts [file…]`: add `import "server-only";` to every server
// module of lib/ that lacks it (scripts/server-modules.ts says which they are), or only to
// the files named. Idempotent; test/server-only.test.ts checks the result.

const root = path.resolve(import.meta.dirname, "..");
const server = serverModules();
const named = process.argv.slice(2).map((f) => path.relative(root, path.resolve(f)).split(path.sep).join("/"));
for (const f of named) {
  if (!server.includes(f)) {
    console.error(`add-server-only: ${f} is not a server module (see scripts/server-modules.ts)`);
    process.exit(2);
  }
}
let changed = 0;
for (const file of named.length > 0 ? named : server) {
  const full = path.join(root, file);
  const source = fs.readFileSync(full, "utf8");
  if (hasServerOnly(source)) continue;
  fs.writeFileSync(full, withServerOnly(source));
  console.log(`  ${file}`);
  changed++;
}
console.log(`add-server-only: ${changed} file(s) changed, ${server.length} server modules in lib/`);
