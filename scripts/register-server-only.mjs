// `node --import tsx --import ./scripts/register-server-only.mjs <entry>.ts`, or
// `tsx --import ./scripts/register-server-only.mjs <entry>.ts`: lets plain-Node entry
// points load server modules that `import "server-only"` (see server-only-hooks.mjs).
// Next.js never loads this; it keeps its own handling, so a client component that
// imports a server module still fails `next build`.
import { register } from "node:module";

register("./server-only-hooks.mjs", import.meta.url);
