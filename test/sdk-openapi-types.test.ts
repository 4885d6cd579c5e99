import { describe, expectTypeOf, it } from "vitest";
import type { components, operations } from "../docs/openapi";
import type { ActionView, ErrorEnvelope, ProposeActionInput, RedeemReceiptView, RunView, ToolsView } from "@gatehouse-dev/sdk";

// The SDK's types (inferred from the zod schemas) against openapi-typescript's types of the
// document (docs/openapi.d.ts, regenerated and compared by scripts/openapi-lint.ts in npm test).
// Checked by `npm run typecheck` (tsc includes test/): a field that drifts on one side fails it.
type S = components["schemas"];

describe("openapi-typescript types are named and match the SDK's", () => {
  it("responses", () => {
    expectTypeOf<S["ActionView"]>().toEqualTypeOf<ActionView>();
    expectTypeOf<S["RunView"]>().toEqualTypeOf<RunView>();
    expectTypeOf<S["ToolsView"]>().toEqualTypeOf<ToolsView>();
    expectTypeOf<S["RedeemReceipt"]>().toEqualTypeOf<RedeemReceiptView>();
    expectTypeOf<ErrorEnvelope>().toExtend<S["Error"]>();
  });
  it("requests, and operations by operationId", () => {
    expectTypeOf<ProposeActionInput>().toExtend<S["ProposeActionInput"]>();
    expectTypeOf<operations["proposeAction"]["responses"]["403"]["content"]["application/json"]>().toEqualTypeOf<S["DeniedError"]>();
  });
});
