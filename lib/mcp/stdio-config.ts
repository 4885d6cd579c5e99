import "server-only";
import fs from "node:fs";
import { z } from "zod";

/**
 * The stdio commands an upstream may name: server configuration only, never
 * the console. GATEHOUSE_MCP_STDIO is JSON, or `@<path>` to a JSON file:
 * `{ "<name>": { "command": "node", "args": ["server.js"], "env": {…} } }`.
 * A console admin picks one of these names; a name not listed here is refused.
 */
const envName = z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, "an environment variable name (A-Z, 0-9, _)");
const entry = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  /**
   * The environment variables a tenant's credential may set for this command (a header name upper-cased, "-" → "_"):
   * server configuration, like the command. Default: only AUTHORIZATION (a bearer token). A credential naming any other
   * variable is refused, so a console admin can never set PATH, NODE_OPTIONS, LD_PRELOAD or the command's own env.
   */
  credential_env: z.array(envName).max(16).default(["AUTHORIZATION"]),
});
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

/** The environment variable a credential header becomes for a stdio upstream. */
export const credentialEnvName = (header: string) => header.toUpperCase().replace(/-/g, "_");

/**
 * A credential's headers as the command's environment variables; the header names its `credential_env` does not
 * list. Never a variable the command's own `env` sets.
 */
export function credentialEnv(cmd: StdioCommand, headers: Record<string, string>): { env: Record<string, string>; refused: string[] } {
  const env: Record<string, string> = {};
  const refused: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    const name = credentialEnvName(k);
    if (cmd.credential_env.includes(name) && !Object.hasOwn(cmd.env, name)) env[name] = v;
    else refused.push(k);
  }
  return { env, refused };
}
