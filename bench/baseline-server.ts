/**
 * The P2/P3 baseline: a bare node:http + better-sqlite3 server that does the
 * same work as POST /api/v1/actions — key hash lookup, run lookup, the same
 * pure decide() and args validation, idempotency check, budget decrement,
 * Action row, AuditEvent rows on a hash chain (same hashing), IssuedToken row,
 * and an Ed25519 token signed with jose — with hand-written prepared
 * statements and one synchronous transaction, on tables with the same
 * secondary indexes and the same WAL/synchronous settings as Gatehouse's.
 * Prints `READY <port>`.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Database from "better-sqlite3";
import { SignJWT, generateKeyPair } from "jose";
import { decide } from "@/lib/policy/decide";
import { argsHash } from "@gatehouse-dev/sdk";
import { argsValidator } from "@/lib/catalog/validate-args";
import { hashAuditRecord, type AuditRecord } from "@/lib/audit/chain";
import { DEMO_AGENTS, DEMO_ROUTES, DEMO_TOOLS } from "@/lib/seed/demo-data";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gh-baseline-"));
const sql = new Database(path.join(dir, "baseline.db"));
sql.pragma("journal_mode = WAL");
// Gatehouse's durability setting under WAL (lib/db/sqlite/serialized-sqlite.ts).
sql.pragma("synchronous = NORMAL");
sql.exec(`
CREATE TABLE cred (prefix TEXT PRIMARY KEY, id TEXT, keyHash TEXT, tenant TEXT, env TEXT, routes TEXT, revokedAt INTEGER);
CREATE TABLE run (id TEXT PRIMARY KEY, credId TEXT, routeName TEXT, stepsUsed INT, stepsMax INT, usdUsed INT, usdMax INT, expiresAt INT, status TEXT);
CREATE TABLE action (id TEXT PRIMARY KEY, runId TEXT, credId TEXT, tenant TEXT, env TEXT, routeName TEXT, tool TEXT, toolKind TEXT, argsHash TEXT,
  argsDisplay TEXT, summary TEXT, idemKey TEXT, status TEXT, reason TEXT, approvalsRequired INT, expiresAt INT, decidedAt INT, tokenJti TEXT, tokenSealed TEXT,
  createdAt INT, escalatedAt INT, UNIQUE (credId, tool, idemKey));
CREATE TABLE audit (seq INTEGER PRIMARY KEY, at TEXT, requestId TEXT, actorType TEXT, actorId TEXT, type TEXT, tenantId TEXT, env TEXT, route TEXT, tool TEXT,
  argsHash TEXT, idempotencyKey TEXT, credentialScope TEXT, actionId TEXT, runId TEXT, approvalIds TEXT, breakGlassSessionId TEXT, status TEXT, reason TEXT,
  durationMs INT, jti TEXT, data TEXT, prevHash TEXT, hash TEXT);
-- The same secondary indexes as Gatehouse's schema (prisma/schema.prisma): same inserts, same index work.
CREATE INDEX audit_action ON audit(actionId);
CREATE INDEX audit_tenant ON audit(tenantId, seq);
CREATE INDEX audit_env ON audit(env, seq);
CREATE INDEX audit_type ON audit(type, seq);
CREATE INDEX audit_route ON audit(route, seq);
CREATE INDEX audit_tool ON audit(tool, seq);
CREATE INDEX audit_actor ON audit(actorId, seq);
CREATE INDEX audit_status ON audit(status, seq);
CREATE INDEX audit_request ON audit(requestId);
CREATE INDEX audit_bg ON audit(breakGlassSessionId);
CREATE INDEX audit_at ON audit(at);
CREATE UNIQUE INDEX action_jti ON action(tokenJti);
CREATE INDEX action_status ON action(status, createdAt);
CREATE INDEX action_expiry ON action(status, expiresAt);
CREATE INDEX action_escalation ON action(status, escalatedAt, createdAt);
CREATE INDEX action_scope ON action(tenant, env, status);
CREATE INDEX action_run ON action(runId);
CREATE TABLE head (id INTEGER PRIMARY KEY, seq INT, hash TEXT);
INSERT INTO head VALUES (1, 0, 'genesis');
CREATE TABLE issued (jti TEXT PRIMARY KEY, kind TEXT, tenant TEXT, env TEXT, runId TEXT, actionId TEXT, expiresAt INT);
CREATE INDEX issued_action ON issued(actionId);
`);
const sha = (s: string) => crypto.createHash("sha256").update(s).digest("hex");
for (const a of DEMO_AGENTS) {
  sql.prepare("INSERT INTO cred VALUES (?, ?, ?, ?, ?, ?, NULL)").run(a.key.split("_")[1], `cred_${a.name}`, sha(a.key), a.tenant, a.env, JSON.stringify(a.routes));
}
const routes = new Map(DEMO_ROUTES.map((r) => [r.name, r.policy]));
const tools = new Map(DEMO_TOOLS.map((t) => [t.name, t]));
const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
const sealKey = crypto.randomBytes(32);

const q = {
  cred: sql.prepare("SELECT * FROM cred WHERE prefix = ?"),
  run: sql.prepare("SELECT * FROM run WHERE id = ?"),
  newRun: sql.prepare("INSERT INTO run VALUES (?, ?, ?, 0, 1000000000, 0, 1000000000, ?, 'active')"),
  existing: sql.prepare("SELECT * FROM action WHERE credId = ? AND tool = ? AND idemKey = ?"),
  spend: sql.prepare(
    "UPDATE run SET stepsUsed = stepsUsed + 1, usdUsed = usdUsed + ? WHERE id = ? AND status = 'active' AND stepsUsed < stepsMax AND usdUsed + ? <= usdMax AND expiresAt > ?",
  ),
  insertAction: sql.prepare(`INSERT INTO action VALUES (@id, @runId, @credId, @tenant, @env, @routeName, @tool, @toolKind, @argsHash, @argsDisplay, @summary, @idemKey,
    @status, @reason, @approvalsRequired, @expiresAt, @decidedAt, @tokenJti, @tokenSealed, @createdAt, NULL)`),
  head: sql.prepare("UPDATE head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash"),
  setHead: sql.prepare("UPDATE head SET hash = ? WHERE id = 1"),
  audit: sql.prepare(`INSERT INTO audit VALUES (@seq, @at, @requestId, @actorType, @actorId, @type, @tenantId, @env, @route, @tool, @argsHash, @idempotencyKey,
    @credentialScope, @actionId, @runId, @approvalIds, @breakGlassSessionId, @status, @reason, @durationMs, @jti, @data, @prevHash, @hash)`),
  issued: sql.prepare("INSERT INTO issued VALUES (?, 'action', ?, ?, ?, ?, ?)"),
};

function appendAudit(e: Partial<AuditRecord> & { type: string; actorType: string }) {
  const h = q.head.get() as { seq: number; hash: string };
  const r: AuditRecord = {
    seq: h.seq,
    at: new Date().toISOString(),
    requestId: null,
    actorId: null,
    tenantId: null,
    env: null,
    route: null,
    tool: null,
    argsHash: null,
    idempotencyKey: null,
    credentialScope: null,
    actionId: null,
    runId: null,
    approvalIds: null,
    breakGlassSessionId: null,
    status: null,
    reason: null,
    durationMs: null,
    jti: null,
    data: "{}",
    prevHash: h.hash,
    ...e,
  } as AuditRecord;
  const hash = hashAuditRecord(r);
  q.audit.run({ ...r, hash });
  q.setHead.run(hash);
}

const seal = (plain: string) => {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv("aes-256-gcm", sealKey, iv);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return `${iv.toString("base64url")}.${ct.toString("base64url")}.${c.getAuthTag().toString("base64url")}`;
};

type Cred = { prefix: string; id: string; keyHash: string; tenant: string; env: string; routes: string; revokedAt: number | null };

function auth(req: http.IncomingMessage): Cred | null {
  const m = /^Bearer (gh_([0-9a-f]{12})_\S+)$/.exec(req.headers.authorization ?? "");
  if (!m) return null;
  const c = q.cred.get(m[2]) as Cred | undefined;
  if (!c || c.revokedAt) return null;
  const a = Buffer.from(sha(m[1]!), "hex");
  return crypto.timingSafeEqual(a, Buffer.from(c.keyHash, "hex")) ? c : null;
}

async function propose(c: Cred, body: { run_id: string; tool: string; args: Record<string, unknown>; idempotency_key: string }, requestId: string) {
  const run = q.run.get(body.run_id) as
    { id: string; credId: string; routeName: string; stepsUsed: number; stepsMax: number; usdUsed: number; usdMax: number; expiresAt: number; status: string } | undefined;
  if (!run || run.credId !== c.id) return { status: 404, body: { error: { code: "not_found" } } };
  const hash = argsHash(body.args);
  const policy = routes.get(run.routeName);
  const tool = tools.get(body.tool) ?? null;
  const now = Date.now();
  const d = decide({
    credentialRoutes: JSON.parse(c.routes),
    routeName: run.routeName,
    route: policy ? { policy, breakerOpen: false } : null,
    killSwitch: { tenant: false, tool: false },
    toolName: body.tool,
    tool,
    budget: { stepsUsed: run.stepsUsed, stepsMax: run.stepsMax, nowMs: now, expiresAtMs: run.expiresAt, usdUsedMicros: run.usdUsed, usdMaxMicros: run.usdMax, costMicros: 0 },
    validateArgs: (t) => argsValidator(t)(body.args),
  });
  const base = {
    actorType: "agent",
    actorId: c.id,
    requestId,
    tenantId: c.tenant,
    env: c.env,
    route: run.routeName,
    tool: body.tool,
    argsHash: hash,
    idempotencyKey: body.idempotency_key,
    credentialScope: `${c.tenant}/${c.env}`,
    runId: run.id,
  };
  if (d.outcome === "denied" || d.outcome === "invalid") {
    sql.transaction(() => appendAudit({ ...base, type: "action.decided", status: d.outcome, reason: d.reason }))();
    return { status: 403, body: { error: { code: d.outcome, reason: d.reason } } };
  }
  const pending = d.outcome === "pending";
  const id = `act_${crypto.randomBytes(12).toString("base64url")}`;
  const jti = `jti_${crypto.randomBytes(12).toString("base64url")}`;
  const iat = Math.floor(now / 1000);
  // Signing is async, so it happens before the synchronous write transaction.
  const token = pending
    ? null
    : await new SignJWT({
        iss: "gatehouse",
        aud: "gatehouse-tools",
        sub: c.id,
        jti,
        iat,
        nbf: iat,
        exp: iat + 300,
        tenant: c.tenant,
        env: c.env,
        route: run.routeName,
        run_id: run.id,
        action_id: id,
        tool: body.tool,
        args_hash: hash,
        idempotency_key: body.idempotency_key,
        approver_ids: [],
      })
        .setProtectedHeader({ alg: "EdDSA", kid: "k1", typ: "gh-action+jwt" })
        .sign(privateKey);
  const result = sql.transaction(() => {
    const existing = q.existing.get(c.id, body.tool, body.idempotency_key) as { id: string; argsHash: string; status: string } | undefined;
    if (existing) return { status: existing.argsHash === hash ? 200 : 409, body: { action_id: existing.id, status: existing.status } };
    if (q.spend.run(0, run.id, 0, now).changes !== 1) return { status: 403, body: { error: { code: "denied", reason: "budget_steps" } } };
    const display = JSON.stringify(body.args);
    q.insertAction.run({
      id,
      runId: run.id,
      credId: c.id,
      tenant: c.tenant,
      env: c.env,
      routeName: run.routeName,
      tool: body.tool,
      toolKind: tool!.kind,
      argsHash: hash,
      argsDisplay: display,
      summary: tool!.summaryTemplate,
      idemKey: body.idempotency_key,
      status: pending ? "pending" : "allowed",
      reason: d.reason,
      approvalsRequired: pending ? d.approvalsRequired : 0,
      expiresAt: pending ? now + 900_000 : null,
      decidedAt: pending ? null : now,
      tokenJti: token ? jti : null,
      tokenSealed: token ? seal(token) : null,
      createdAt: now,
    });
    appendAudit({ ...base, type: "action.decided", actionId: id, status: pending ? "pending" : "allowed", reason: d.reason, data: JSON.stringify({ tool_kind: tool!.kind }) });
    if (token) {
      q.issued.run(jti, c.tenant, c.env, run.id, id, iat + 300);
      appendAudit({ ...base, type: "token.minted", actionId: id, jti, status: "ok", data: JSON.stringify({ kind: "action" }) });
    }
    return { status: pending ? 202 : 200, body: { action_id: id, status: pending ? "pending" : "allowed", reason: d.reason, token } };
  })();
  return result;
}

const server = http.createServer(async (req, res) => {
  const requestId = crypto.randomUUID();
  let body = "";
  for await (const chunk of req) body += chunk;
  const send = (status: number, out: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "x-request-id": requestId });
    res.end(JSON.stringify(out));
  };
  try {
    const c = auth(req);
    if (!c) return send(401, { error: { code: "unauthenticated" } });
    if (req.method === "POST" && req.url === "/api/v1/runs") {
      const { route } = JSON.parse(body) as { route: string };
      const id = `run_${crypto.randomBytes(12).toString("base64url")}`;
      q.newRun.run(id, c.id, route, Date.now() + 86_400_000);
      return send(201, { run_id: id });
    }
    if (req.method === "POST" && req.url === "/api/v1/actions") {
      const r = await propose(c, JSON.parse(body), requestId);
      return send(r.status, r.body);
    }
    send(404, { error: { code: "not_found" } });
  } catch (err) {
    send(500, { error: { code: "internal", message: String(err) } });
  }
});
server.listen(0, "127.0.0.1", () => console.log(`READY ${(server.address() as AddressInfo).port} ${dir}`));

// A clean exit on SIGINT, so --cpu-prof can write its profile.
process.on("SIGINT", () => process.exit(0));
