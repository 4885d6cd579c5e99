// Module resolve hook (registered by scripts/register-server-only.mjs): in plain Node,
// "server-only" is an empty module. The package's default export throws; only a bundler's
// react-server condition (Next.js) gives the empty one, and lib/ is also run by tsx
// (npm start, the CLI scripts, spawned test and bench servers).
export async function resolve(specifier, context, nextResolve) {
  if (specifier === "server-only") return { url: "data:text/javascript,", format: "module", shortCircuit: true };
  return nextResolve(specifier, context);
}
