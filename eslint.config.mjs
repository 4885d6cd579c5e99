import next from "eslint-config-next";

const config = [
  ...next,
  {
    // No import cycles in lib/: its modules read from the bottom up (pure policy, then db, then the domain).
    // `import type` is not followed (it leaves nothing at run time); the resolver is eslint-config-next's (tsconfig paths).
    files: ["lib/**/*.ts", "lib/**/*.tsx"],
    rules: { "import/no-cycle": ["error", { ignoreExternal: true }] },
  },
  {
    // The console's one date/time format is components/ui/format-time.ts (UTC, fixed digits): a locale's "12/3/2026, 1:16 PM"
    // is ambiguous (3 December or 12 March), differs from every other page, and differs between the server's render and
    // the browser's. Numbers name their locale for the same reason.
    files: ["app/**/*.tsx", "components/**/*.tsx", "components/**/*.ts", "lib/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name=/^toLocale(Date|Time)String$/]",
          message: "Use formatDateTime or formatTime from components/ui/format-time.ts.",
        },
        {
          selector: "CallExpression[callee.property.name='toLocaleString'][callee.object.type='NewExpression'][callee.object.callee.name='Date']",
          message: "Use formatDateTime from components/ui/format-time.ts.",
        },
        {
          selector: "CallExpression[callee.property.name='toLocaleString'][arguments.length=0]",
          message: 'Name the locale (toLocaleString("en-US")); a date goes through components/ui/format-time.ts.',
        },
      ],
    },
  },
  { ignores: ["lib/db/generated/**", ".next/**", "data/**", "node_modules/**", "test-results/**", "playwright-report/**", "packages/sdk/dist/**", "docs/openapi.d.ts"] },
];

export default config;
