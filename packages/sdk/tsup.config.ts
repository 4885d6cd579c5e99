import { defineConfig } from "tsup";

/** ESM + .d.ts per entry; dependencies and (optional) peer dependencies stay external. */
export default defineConfig({
  // The adapters are entries of their own: a framework (an optional peer) is loaded only by its subpath.
  entry: {
    index: "src/index.ts",
    edge: "src/edge.ts",
    "policy/index": "src/policy/index.ts",
    "openai-agents": "src/openai-agents.ts",
    ai: "src/ai.ts",
    langgraph: "src/langgraph.ts",
  },
  format: ["esm"],
  target: "node20",
  platform: "node",
  dts: true,
  clean: true,
  sourcemap: true,
  splitting: true,
  treeshake: true,
  tsconfig: "tsconfig.json",
  removeNodeProtocol: false,
});
