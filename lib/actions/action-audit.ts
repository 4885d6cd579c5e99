import "server-only";
import { credentialScope } from "@/lib/agents/authenticate-agent";

/** What an audit event needs to know about the action it is about (or is about to create). */
export type ActionAuditSubject = {
  /** Absent while the action does not exist yet (a refused proposal). */
  id?: string | null;
  tenantId: string;
  env: string;
  routeName: string;
  tool: string;
  argsHash: string;
  idempotencyKey: string | null;
  runId: string;
};

/** The audit fields of an action: the same on every event about it, from proposal to result. */
export function actionAuditFields(a: ActionAuditSubject) {
  return {
    tenantId: a.tenantId,
    env: a.env,
    route: a.routeName,
    tool: a.tool,
    argsHash: a.argsHash,
    idempotencyKey: a.idempotencyKey,
    credentialScope: credentialScope(a),
    actionId: a.id ?? null,
    runId: a.runId,
  };
}
