/** Moved to the SDK package (packages/sdk/src/policy/display-spec.ts): the policy engine's tool entries carry it. */
export * from "@gatehouse-dev/sdk/policy";
