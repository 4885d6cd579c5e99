import path from "node:path";
import { pathToFileURL } from "node:url";

/** The hook that resolves "server-only" to an empty module in plain Node (scripts/server-only-hooks.mjs). */
export const serverOnlyHook = pathToFileURL(path.join(import.meta.dirname, "register-server-only.mjs")).href;

/**
 * `node` flags that run a .ts entry point as the npm scripts do: tsx as the loader
 * (in this process, not tsx's CLI, which would run the script in a child of its own)
 * and server modules loadable outside Next.js. `spawn(process.execPath, [...tsxNodeArgs, file])`.
 */
export const tsxNodeArgs: readonly string[] = ["--import", "tsx", "--import", serverOnlyHook];

/** Arguments for the tsx CLI (node_modules/.bin/tsx) before the script: the same hook. */
export const tsxCliArgs: readonly string[] = ["--import", serverOnlyHook];
