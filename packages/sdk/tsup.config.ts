import { defineConfig } from "tsup";

/** ESM + .d.ts per entry; dependencies stay external (installed with the package). */
export default defineConfig({
  entry: { index: "src/index.ts", edge: "src/edge.ts", "policy/index": "src/policy/index.ts" },
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
