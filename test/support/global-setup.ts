import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Every test file gets its own data directory (and so its own SQLite file)
 * unless DATABASE_URL points the suite at PostgreSQL.
 */
export default function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-test-"));
  process.env.GATEHOUSE_TEST_ROOT = dir;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
