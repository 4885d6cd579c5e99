import "server-only";
import type { PrismaClient } from "@/lib/db/generated/sqlite/client";

/**
 * The one place code outside lib/db gets database types: the models (as the
 * ORM returns them), the client and transaction types, and raw SQL's
 * interface. Both generated clients come from one schema, so the SQLite
 * client's types describe both providers.
 */
export type {
  Action,
  ActionAsk,
  AgentCredential,
  Approval,
  AuditEvent,
  AuditHead,
  BreakGlassSession,
  CanaryAction,
  CanaryEnrollment,
  CardView,
  IssuedToken,
  KillSwitch,
  McpPendingCall,
  McpSession,
  McpUpstream,
  McpUpstreamCredential,
  McpUpstreamTool,
  PolicyTest,
  PolicyVersion,
  RecoveryCode,
  ReviewerGroup,
  ReviewerGroupMember,
  Route,
  RouteReviewers,
  RouteBreaker,
  Run,
  SignInFailure,
  SigningKey,
  SsoGroupMapping,
  SsoIdentity,
  Tenant,
  Tool,
  User,
  UserGrant,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
} from "@/lib/db/generated/sqlite/client";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

export type Provider = "sqlite" | "postgres";

/**
 * Raw SQL for the hot paths (lib/db/sql.ts). SQL is written once with `?`
 * placeholders and double-quoted identifiers; Postgres gets `$1…$n`. Values
 * read back are provider-shaped: the table modules (lib/db/tables/) decode them.
 */
export type SqlParam = string | number | boolean | Date | null;
export type Row = Record<string, unknown>;

export interface Sql {
  all<T = Row>(text: string, params?: readonly SqlParam[]): Promise<T[]>;
  get<T = Row>(text: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  /** Rows as arrays, values in the select list's order (bulk reads: no object per row). */
  rows(text: string, params?: readonly SqlParam[]): Promise<unknown[][]>;
  /** Run a statement; the number of rows it changed. */
  run(text: string, params?: readonly SqlParam[]): Promise<number>;
}

/** A transaction of either kind — the ORM's or a raw one; lib/db's queries run on both. */
export type Exec = Tx | Sql;
