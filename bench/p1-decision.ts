import { createRequire } from "node:module";
import { decide } from "@/lib/policy/decide";
import { cedarPolicyText, cedarRequest, cedarRouteEntities } from "./cedar-policies";
import { decisionInputs, demoFixture, generatedFixture, type PolicyFixture } from "./decision-fixtures";
import { round, timeSync, type BenchResult } from "./stats";
import { cedarConditionEntity, cedarConditionPolicyText, cedarConditionRequest, conditionInputs, conditionsFixture } from "./p1-conditions";

type Cedar = typeof import("@cedar-policy/cedar-wasm/nodejs");
// The nodejs build is CommonJS and loads its .wasm synchronously.
const cedar = createRequire(import.meta.url)("@cedar-policy/cedar-wasm/nodejs") as Cedar;

/** P1: the pure decision against Cedar-wasm on the same policies and inputs, same process. */
export async function benchDecision(quick: boolean): Promise<BenchResult> {
  const loadBefore = (await import("node:os")).loadavg();
  const rows: BenchResult["rows"] = [];
  const goals: BenchResult["goals"] = [];
  const notes: string[] = [];
  for (const fixture of [demoFixture(), generatedFixture()]) {
    const r = run(fixture, quick);
    rows.push(r.row);
    notes.push(`${fixture.name}: decide and Cedar agree on allow/deny for ${r.agree}/${r.total} inputs${r.disagree ? ` (first disagreement: ${r.disagree})` : ""}.`);
    goals.push({ goal: `${fixture.name}: decide median ≤ 5 µs`, value: `${round(r.decideMedian, 3)} µs`, met: r.decideMedian <= 5 });
    goals.push({ goal: `${fixture.name}: ≥ 2× faster than Cedar-wasm`, value: `${round(r.speedup, 1)}×`, met: r.speedup >= 2 });
  }
  const c = runConditions(quick);
  rows.push(c.row);
  notes.push(
    `conditions: decide and Cedar agree on the three-way outcome for ${c.agree}/${c.total} inputs${c.disagree ? ` (first disagreement: ${c.disagree})` : ""}; Cedar needs 3 requests per three-way answer.`,
  );
  goals.push({ goal: "conditions: decide median ≤ 5 µs", value: `${round(c.decideMedian, 3)} µs`, met: c.decideMedian <= 5 });
  return { id: "P1", title: "Decision: decide() vs Cedar-wasm (preparsed policy set)", rows, goals, loadBefore, loadAfter: (await import("node:os")).loadavg(), notes };
}

function run(f: PolicyFixture, quick: boolean) {
  const inputs = decisionInputs(f, 4096);
  const entities = cedarRouteEntities(f);
  const requests = inputs.map((d) => cedarRequest(d, entities));
  const id = `bench-${f.routes.length}`;
  const parsed = cedar.preparsePolicySet(id, { staticPolicies: cedarPolicyText() });
  if (parsed.type !== "success") throw new Error(`Cedar rejected the policies: ${JSON.stringify(parsed.errors).slice(0, 500)}`);

  // Same verdicts first: a fast wrong answer is not a result.
  let agree = 0;
  let disagree = "";
  inputs.forEach((d, i) => {
    const ours = decide(d).outcome;
    const proceed = ours === "allowed" || ours === "pending";
    const a = cedar.statefulIsAuthorized({ ...requests[i]!, preparsedPolicySetId: id });
    if (a.type !== "success") throw new Error(`Cedar failed: ${JSON.stringify(a.errors).slice(0, 300)}`);
    if ((a.response.decision === "allow") === proceed) agree++;
    else disagree ||= `${d.routeName} ${d.toolName}: decide=${ours}, cedar=${a.response.decision}`;
  });

  const mask = inputs.length - 1;
  const ours = timeSync((i) => decide(inputs[i & mask]!), { batches: quick ? 200 : 2000, perBatch: 256 });
  const theirs = timeSync((i) => cedar.statefulIsAuthorized({ ...requests[i & mask]!, preparsedPolicySetId: id }), {
    batches: quick ? 30 : 300,
    perBatch: 64,
    warmup: 500,
  });
  // The text API re-parses the policies every call; shown for reference only.
  const text = cedarPolicyText();
  const textApi = timeSync((i) => cedar.isAuthorized({ ...requests[i & mask]!, policies: { staticPolicies: text } }), {
    batches: quick ? 10 : 50,
    perBatch: 32,
    warmup: 4,
  });
  return {
    row: {
      policies: f.name,
      "decide median µs": round(ours.median, 3),
      "decide p99 µs": round(ours.p99, 3),
      "Cedar preparsed median µs": round(theirs.median, 2),
      "Cedar preparsed p99 µs": round(theirs.p99, 2),
      "Cedar isAuthorized(text) median µs": round(textApi.median, 1),
      "speedup vs preparsed": `${round(theirs.median / ours.median, 1)}×`,
    },
    decideMedian: ours.median,
    speedup: theirs.median / ours.median,
    agree,
    total: inputs.length,
    disagree,
  };
}

/** The conditions case: support/send with CEL argument conditions against the same rules in Cedar. */
function runConditions(quick: boolean) {
  const inputs = conditionInputs(4096);
  const { policy, route } = conditionsFixture();
  const entity = cedarConditionEntity(policy, route);
  const id = "bench-conditions";
  const parsed = cedar.preparsePolicySet(id, { staticPolicies: cedarConditionPolicyText() });
  if (parsed.type !== "success") throw new Error(`Cedar rejected the condition policies: ${JSON.stringify(parsed.errors).slice(0, 500)}`);
  const ask = (i: number, action: "propose" | "skip_approval" | "two_approvals") => {
    const a = cedar.statefulIsAuthorized({ ...cedarConditionRequest(inputs[i]!, entity, action), preparsedPolicySetId: id });
    if (a.type !== "success") throw new Error(`Cedar failed: ${JSON.stringify(a.errors).slice(0, 300)}`);
    return a.response.decision === "allow";
  };
  let agree = 0;
  let disagree = "";
  inputs.forEach((d, i) => {
    const o = decide(d);
    const ours = o.outcome === "pending" ? `pending(${o.approvalsRequired})` : o.outcome;
    const theirs = !ask(i, "propose") ? "denied" : ask(i, "skip_approval") ? "allowed" : ask(i, "two_approvals") ? "pending(2)" : "pending(1)";
    if (ours === theirs) agree++;
    else disagree ||= `${d.toolName} ${JSON.stringify(d.args)}: decide=${ours}, cedar=${theirs}`;
  });
  const mask = inputs.length - 1;
  const ours = timeSync((i) => decide(inputs[i & mask]!), { batches: quick ? 200 : 2000, perBatch: 256 });
  const requests = inputs.map((d) => cedarConditionRequest(d, entity, "propose"));
  const theirs = timeSync((i) => cedar.statefulIsAuthorized({ ...requests[i & mask]!, preparsedPolicySetId: id }), { batches: quick ? 30 : 300, perBatch: 64, warmup: 500 });
  return {
    row: {
      policies: "conditions (support/send + 3 CEL conditions)",
      "decide median µs": round(ours.median, 3),
      "decide p99 µs": round(ours.p99, 3),
      "Cedar preparsed median µs": round(theirs.median, 2),
      "Cedar preparsed p99 µs": round(theirs.p99, 2),
      "Cedar isAuthorized(text) median µs": "n/a",
      "speedup vs preparsed": `${round(theirs.median / ours.median, 1)}× (per request; ${round((3 * theirs.median) / ours.median, 1)}× per three-way answer)`,
    },
    decideMedian: ours.median,
    agree,
    total: inputs.length,
    disagree,
  };
}
