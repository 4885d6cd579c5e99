import { signJws } from "@/lib/tokens/sign-jws";
import type { Exec } from "@/lib/db/types";
import { insertIssuedToken } from "@/lib/db/tables/issued-token";
import { env } from "@/lib/env";
import { newId } from "@/lib/crypto/new-id";
import { appendAudit, type ActorType, type AuditInput } from "@/lib/audit/append";
import { activeSigningKey } from "@/lib/tokens/signing-keys";
import {
  ACTION_TOKEN_TYP,
  MAX_TOKEN_TTL_SECONDS,
  RUN_TOKEN_TYP,
  actionClaimsSchema,
  runClaimsSchema,
} from "@/lib/sdk/token-claims";
import { countTokenMinted } from "@/lib/metrics/record";

export type MintAudit = {
  requestId?: string | null;
  actorType: ActorType;
  actorId?: string | null;
  breakGlassSessionId?: string | null;
};

export type MintedToken = { token: string; jti: string; expiresAt: Date };

export type RunTokenInput = {
  credentialId: string;
  tenant: string;
  env: string;
  route: string;
  runId: string;
  tools: string[];
  ttlSeconds?: number;
};

export type ActionTokenInput = {
  credentialId: string;
  tenant: string;
  env: string;
  route: string;
  runId: string;
  actionId: string;
  tool: string;
  argsHash: string;
  idempotencyKey: string;
  approverIds: string[];
  breakGlassSessionId?: string | null;
  ttlSeconds?: number;
};

/**
 * Mint a run token (the route's read tools) inside the caller's transaction,
 * with its IssuedToken row and `token.minted` audit event. Throws on any
 * failure, so the caller's transaction rolls back: no token without its record.
 */
export async function mintRunToken(tx: Exec, c: RunTokenInput, audit: MintAudit): Promise<MintedToken> {
  const t = times(c.ttlSeconds);
  const jti = newId("jti");
  const claims = runClaimsSchema.parse({
    ...registered(c.credentialId, jti, t),
    tenant: c.tenant,
    env: c.env,
    route: c.route,
    run_id: c.runId,
    tools: c.tools,
  });
  const token = await sign(tx, claims, RUN_TOKEN_TYP);
  await record(tx, { kind: "run", jti, expiresAt: t.expiresAt, tenant: c.tenant, env: c.env, route: c.route, runId: c.runId }, audit);
  return { token, jti, expiresAt: t.expiresAt };
}

/**
 * Mint a single-use action token for one approved (or allowed) tool call,
 * inside the caller's transaction, with its IssuedToken row and audit event.
 */
export async function mintActionToken(tx: Exec, c: ActionTokenInput, audit: MintAudit): Promise<MintedToken> {
  const signed = await signActionToken(tx, c, audit);
  await recordActionToken(tx, signed);
  return signed;
}

/** An action token signed but not yet recorded: {@link recordActionToken} must follow in the same transaction. */
export type SignedActionToken = MintedToken & { record: IssuedRecord; audit: MintAudit };

/**
 * Sign an action token without writing anything yet, so a caller can store the
 * token with the row it belongs to in one write. Nothing may commit without
 * {@link recordActionToken}: the token exists only in this transaction until then.
 */
export async function signActionToken(tx: Exec, c: ActionTokenInput, audit: MintAudit): Promise<SignedActionToken> {
  const t = times(c.ttlSeconds);
  const jti = newId("jti");
  const bg = c.breakGlassSessionId ?? audit.breakGlassSessionId ?? undefined;
  const claims = actionClaimsSchema.parse({
    ...registered(c.credentialId, jti, t),
    tenant: c.tenant,
    env: c.env,
    route: c.route,
    run_id: c.runId,
    action_id: c.actionId,
    tool: c.tool,
    args_hash: c.argsHash,
    idempotency_key: c.idempotencyKey,
    approver_ids: c.approverIds,
    ...(bg ? { bg } : {}),
  });
  const token = await sign(tx, claims, ACTION_TOKEN_TYP);
  const record: IssuedRecord = {
    kind: "action",
    jti,
    expiresAt: t.expiresAt,
    tenant: c.tenant,
    env: c.env,
    route: c.route,
    runId: c.runId,
    actionId: c.actionId,
    tool: c.tool,
    argsHash: c.argsHash,
    idempotencyKey: c.idempotencyKey,
    approverIds: c.approverIds,
    breakGlassSessionId: bg ?? null,
  };
  return { token, jti, expiresAt: t.expiresAt, record, audit };
}

/**
 * The IssuedToken row and `token.minted` audit event of a signed action token.
 * `before` are audit events that belong ahead of it in the chain (the decision
 * that allowed it): one append reserves sequence numbers for all of them.
 */
export async function recordActionToken(tx: Exec, signed: SignedActionToken, before: AuditInput[] = []): Promise<void> {
  await record(tx, signed.record, signed.audit, before);
}

type Times = { iat: number; exp: number; expiresAt: Date };

function times(ttlSeconds: number | undefined): Times {
  const ttl = ttlSeconds ?? MAX_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) {
    throw new Error(`token lifetime must be 1..${MAX_TOKEN_TTL_SECONDS} seconds`);
  }
  const iat = Math.floor(Date.now() / 1000);
  return { iat, exp: iat + ttl, expiresAt: new Date((iat + ttl) * 1000) };
}

function registered(sub: string, jti: string, t: Times) {
  const e = env();
  return { iss: e.GATEHOUSE_ISSUER, aud: e.GATEHOUSE_AUDIENCE, sub, jti, iat: t.iat, nbf: t.iat, exp: t.exp };
}

async function sign(tx: Exec, claims: Record<string, unknown>, typ: string): Promise<string> {
  const key = await activeSigningKey(tx);
  return signJws(claims, typ, key);
}

type IssuedRecord = {
  kind: "run" | "action";
  jti: string;
  expiresAt: Date;
  tenant: string;
  env: string;
  route: string;
  runId: string;
  actionId?: string;
  tool?: string;
  argsHash?: string;
  idempotencyKey?: string;
  approverIds?: string[];
  breakGlassSessionId?: string | null;
};

/** The IssuedToken row and the audit event; the audit keeps the jti, never the token. */
async function record(tx: Exec, r: IssuedRecord, audit: MintAudit, before: AuditInput[] = []): Promise<void> {
  countTokenMinted(r.kind);
  await insertIssuedToken(tx, {
    jti: r.jti,
    kind: r.kind,
    tenantId: r.tenant,
    env: r.env,
    runId: r.runId,
    actionId: r.actionId ?? null,
    expiresAt: r.expiresAt,
    issuedAt: new Date(),
  });
  await appendAudit(tx, ...before, {
    type: "token.minted",
    actorType: audit.actorType,
    actorId: audit.actorId ?? null,
    requestId: audit.requestId ?? null,
    tenantId: r.tenant,
    env: r.env,
    route: r.route,
    tool: r.tool ?? null,
    argsHash: r.argsHash ?? null,
    idempotencyKey: r.idempotencyKey ?? null,
    actionId: r.actionId ?? null,
    runId: r.runId,
    jti: r.jti,
    approvalIds: r.approverIds ?? null,
    breakGlassSessionId: r.breakGlassSessionId ?? audit.breakGlassSessionId ?? null,
    status: "ok",
    data: { kind: r.kind, expires_at: r.expiresAt.toISOString() },
  });
}
