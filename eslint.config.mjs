import next from "eslint-config-next";

const config = [
  ...next,
  {
    // No import cycles in lib/: its modules read from the bottom up (pure policy, then db, then the domain).
    // `import type` is not followed (it leaves nothing at run time); the resolver is eslint-config-next's (tsconfig paths).
    files: ["lib/**/*.ts", "lib/**/*.tsx"],
    rules: { "import/no-cycle": ["error", { ignoreExternal: true }] },
  },
  { ignores: ["lib/db/generated/**", ".next/**", "data/**", "node_modules/**", "test-results/**", "playwright-report/**", "packages/sdk/dist/**", "docs/openapi.d.ts"] },
];

export default config;
