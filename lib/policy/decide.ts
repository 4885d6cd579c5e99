/** Moved to the SDK package (packages/sdk/src/policy/decide.ts), one source for the server and the SDK policy tester. */
export * from "@gatehouse-dev/sdk/policy";
