// Compiled (tsc --noEmit, NodeNext) in the scratch project the SDK is installed into: the
// published .d.ts, the exports map and the inferred API types work for a consumer.
import { GatehouseAgent, argsHash, policyTester, type ActionView, type ProposeActionInput, type Proposal } from "@gatehouse-dev/sdk";
import { argsHash as edgeArgsHash, verifyActionToken } from "@gatehouse-dev/sdk/edge";
import { decide } from "@gatehouse-dev/sdk/policy";

const input: ProposeActionInput = { run_id: "r", tool: "ticket.close", args: { ticket_id: "T-1" }, idempotency_key: "k" };
const status: ActionView["status"] = "pending";
const hash: string = argsHash(input.args);
const later: Promise<string> = edgeArgsHash(input.args);
const handle = (p: Proposal): string => (p.status === "denied" ? p.reason_code : p.action_id);
export { GatehouseAgent, verifyActionToken, policyTester, decide, status, hash, later, handle };
