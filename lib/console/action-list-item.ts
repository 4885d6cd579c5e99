import "server-only";
import type { Action } from "@/lib/db/types";

/** The fields every console list of actions shows (queue, history, recent actions). */
export type ActionListItem = {
  id: string;
  tool: string;
  toolKind: string;
  summary: string;
  tenantId: string;
  env: string;
  route: string;
  createdAt: string;
};

/** An Action row as a console list item. */
export function actionListItem(a: Pick<Action, "id" | "tool" | "toolKind" | "summary" | "tenantId" | "env" | "routeName" | "createdAt">): ActionListItem {
  return { id: a.id, tool: a.tool, toolKind: a.toolKind, summary: a.summary, tenantId: a.tenantId, env: a.env, route: a.routeName, createdAt: a.createdAt.toISOString() };
}
