import "server-only";
import fs from "node:fs";
import { z } from "zod";

/**
 * The stdio commands an upstream may name: server configuration only, never
 * the console. GATEHOUSE_MCP_STDIO is JSON, or `@<path>` to a JSON file:
 * `{ "<name>": { "command": "node", "args": ["server.js"], "env": {…} } }`.
 * A console admin picks one of these names; a name not listed here is refused.
 */
const entry = z.strictObject({ command: z.string().min(1), args: z.array(z.string()).default([]), env: z.record(z.string(), z.string()).default({}) });
const config = z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/), entry);
export type StdioCommand = z.infer<typeof entry>;

export function stdioCommands(raw: string | undefined = process.env.GATEHOUSE_MCP_STDIO): Record<string, StdioCommand> {
  if (!raw) return {};
  const text = raw.startsWith("@") ? fs.readFileSync(raw.slice(1), "utf8") : raw;
  return config.parse(JSON.parse(text));
}

export function stdioCommand(name: string): StdioCommand | null {
  return Object.hasOwn(stdioCommands(), name) ? stdioCommands()[name]! : null;
}
