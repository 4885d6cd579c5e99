import "server-only";
import { signJws } from "@/lib/tokens/sign-jws";
import type { Exec } from "@/lib/db/types";
import { insertIssuedToken } from "@/lib/db/tables/issued-token";
import { AppError } from "@/lib/errors";
import { env } from "@/lib/env";
import { newId } from "@/lib/crypto/new-id";
import { appendAudit, type ActorType, type AuditInput } from "@/lib/audit/append";
import { activeSigningKey } from "@/lib/tokens/signing-keys";
import {
  ACTION_TOKEN_TYP,
  MAX_TOKEN_TTL_SECONDS,
  PREVIEW_TOKEN_TYP,
  RUN_TOKEN_TYP,
  actionClaimsSchema,
  previewClaimsSchema,
  runClaimsSchema,
  type PreviewClaims,
} from "@gatehouse-dev/sdk";
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
  /** A reviewer edited the args before approving (the token carries `args_edited: true`). */
  argsEdited?: boolean;
};

/** What to mint: a run token (the route's read tools) or an action token (one call). */
export type TokenRequest = ({ kind: "run" } & RunTokenInput) | ({ kind: "action" } & ActionTokenInput);

/**
 * Stores a token just signed where it belongs (an action token sealed onto its
 * Action row) and returns audit events that go on the chain right before
 * `token.minted` (the decision that allowed it), in the same append.
 */
export type StoreToken = (minted: MintedToken) => Promise<AuditInput[] | void>;

/**
 * The one mint protocol, inside the caller's transaction and in this order:
 * sign, `store` the token, write its IssuedToken row, then the `token.minted`
 * audit event. The token is returned only after all of them; any failure
 * throws, so the caller's transaction rolls back: no token without its record.
 */
export async function mintToken(tx: Exec, request: TokenRequest, audit: MintAudit, store?: StoreToken): Promise<MintedToken> {
  const t = times(request.ttlSeconds ?? (request.kind === "action" ? actionTokenTtlSeconds() : undefined));
  const jti = newId("jti");
  const { claims, typ, record: issued } = prepare(request, jti, t, audit);
  const minted: MintedToken = { token: await sign(tx, claims, typ), jti, expiresAt: t.expiresAt };
  const before = (await store?.(minted)) ?? [];
  await record(tx, issued, audit, before);
  return minted;
}

/** How long an action token lives unless the caller asks for less (GATEHOUSE_ACTION_TOKEN_TTL_SECONDS, at most 300 s). */
export function actionTokenTtlSeconds(): number {
  return Math.min(MAX_TOKEN_TTL_SECONDS, env().GATEHOUSE_ACTION_TOKEN_TTL_SECONDS);
}

/** A run token for the route's read tools; see {@link mintToken}. */
export function mintRunToken(tx: Exec, c: RunTokenInput, audit: MintAudit): Promise<MintedToken> {
  return mintToken(tx, { kind: "run", ...c }, audit);
}

/** A single-use action token for one allowed or approved tool call; see {@link mintToken}. */
export function mintActionToken(tx: Exec, c: ActionTokenInput, audit: MintAudit, store?: StoreToken): Promise<MintedToken> {
  return mintToken(tx, { kind: "action", ...c }, audit, store);
}

/** The claims to sign and the IssuedToken record to write for one request. */
function prepare(r: TokenRequest, jti: string, t: Times, audit: MintAudit): { claims: Record<string, unknown>; typ: string; record: IssuedRecord } {
  const scope = { tenant: r.tenant, env: r.env, route: r.route, run_id: r.runId };
  if (r.kind === "run") {
    return {
      claims: runClaimsSchema.parse({ ...registered(r.credentialId, jti, t), ...scope, tools: r.tools }),
      typ: RUN_TOKEN_TYP,
      record: { kind: "run", jti, expiresAt: t.expiresAt, tenant: r.tenant, env: r.env, route: r.route, runId: r.runId },
    };
  }
  const bg = r.breakGlassSessionId ?? audit.breakGlassSessionId ?? undefined;
  return {
    claims: actionClaimsSchema.parse({
      ...registered(r.credentialId, jti, t),
      ...scope,
      action_id: r.actionId,
      tool: r.tool,
      args_hash: r.argsHash,
      idempotency_key: r.idempotencyKey,
      approver_ids: r.approverIds,
      ...(bg ? { bg } : {}),
      ...(r.argsEdited ? { args_edited: true } : {}),
    }),
    typ: ACTION_TOKEN_TYP,
    record: {
      kind: "action",
      jti,
      expiresAt: t.expiresAt,
      tenant: r.tenant,
      env: r.env,
      route: r.route,
      runId: r.runId,
      actionId: r.actionId,
      tool: r.tool,
      argsHash: r.argsHash,
      idempotencyKey: r.idempotencyKey,
      approverIds: r.approverIds,
      breakGlassSessionId: bg ?? null,
    },
  };
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

/** A canary (lib/canaries) never gets a token, whichever path asks: the caller's transaction rolls back. */
const canaryRefusal = () => new AppError("conflict", "This action can never get a token.", { reason: "action_not_redeemable" });

/**
 * The IssuedToken row and the audit event; the audit keeps the jti, never the token. An action
 * token's row is written only if its action is no canary (the check is in the row's INSERT; on
 * PostgreSQL that runs with the audit append, before COMMIT): otherwise the transaction fails with
 * `action_not_redeemable` and rolls back, token, row, Action update and events together.
 */
async function record(tx: Exec, r: IssuedRecord, audit: MintAudit, before: AuditInput[] = []): Promise<void> {
  countTokenMinted(r.kind);
  await insertIssuedToken(
    tx,
    {
      jti: r.jti,
      kind: r.kind,
      tenantId: r.tenant,
      env: r.env,
      runId: r.runId,
      actionId: r.actionId ?? null,
      expiresAt: r.expiresAt,
      issuedAt: new Date(),
    },
    r.kind === "action" ? canaryRefusal : undefined,
  );
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

/**
 * Sign a preview token (lib/previews/request-preview.ts): read-only, `gh-preview+jwt`, at most a
 * minute. Not an IssuedToken (it authorises no call, so there is nothing to redeem or revoke);
 * its record is the caller's `preview.requested` audit event, written before the token leaves.
 */
export async function signPreviewToken(claims: PreviewClaims): Promise<string> {
  return signJws(previewClaimsSchema.parse(claims), PREVIEW_TOKEN_TYP, await activeSigningKey());
}
