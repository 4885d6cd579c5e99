import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDb } from "./support/db";
import { makeUser } from "./support/fixtures";
import { params, sessionRequest } from "./security/helpers";
import { db } from "@/lib/db/client";
import { verifyPassword } from "@/lib/auth/password";
import { GET as listUsers, POST as createUser } from "@/app/api/console/users/route";
import { DELETE as deleteUser, PATCH as patchUser } from "@/app/api/console/users/[id]/route";
import { POST as resetPassword } from "@/app/api/console/users/[id]/password/route";
import { GET as listTools, POST as createTool } from "@/app/api/console/tools/route";
import { DELETE as deleteTool, PUT as putTool } from "@/app/api/console/tools/[name]/route";
import { POST as approveChange } from "@/app/api/console/tools/changes/[seq]/approve/route";
import { POST as rejectChange } from "@/app/api/console/tools/changes/[seq]/reject/route";
import { POST as approveGrant } from "@/app/api/console/user-grants/[id]/approve/route";

// The console's user and catalog APIs, called through their real route handlers with a real next-auth session cookie.

const BASE = "http://localhost:3000";
let cleanup: () => Promise<void>;
let admin1: string;
let admin2: string;
let viewer: string;

beforeAll(async () => {
  ({ cleanup } = await freshDb());
  admin1 = await makeUser("admin1@t.local", ["admin"]);
  admin2 = await makeUser("admin2@t.local", ["admin"]);
  viewer = await makeUser("viewer@t.local", ["viewer"]);
});
afterAll(() => cleanup());

type Handler<P> = (req: Request, ctx: { params: Promise<P> }) => Promise<Response>;

/** Call a route handler as the browser would: session cookie, console header, same-origin Origin (unless overridden). */
async function call<P extends Record<string, string>>(
  route: Handler<P>,
  as: string | null,
  method: string,
  path: string,
  opts: { body?: unknown; p?: P; headers?: Record<string, string> } = {},
) {
  const mutation = method !== "GET";
  const req = await sessionRequest(as, BASE + path, {
    method,
    headers: { ...(mutation ? { origin: BASE, "x-gatehouse-console": "1" } : {}), ...(opts.body === undefined ? {} : { "content-type": "application/json" }), ...opts.headers },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const res = await route(req, params((opts.p ?? {}) as P));
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const newUser = { email: "New.Person@t.local", name: "New Person", password: "a-long-password", roles: ["reviewer"] };
const tool = {
  name: "crm.note_add",
  kind: "write",
  description: "Add a note to a CRM record",
  argsSchema: {
    type: "object",
    properties: { record_id: { type: "string" }, note: { type: "string", maxLength: 500 } },
    required: ["record_id", "note"],
    additionalProperties: false,
  },
  summaryTemplate: "Add a note to {record_id}",
  blastRadius: { scope: "one CRM record", records: 1, description: "appends one note" },
  undo: { reversible: true, via: "crm.note_delete", note: "delete the note" },
};

describe("who may call the admin APIs", () => {
  it("no session → 401 on reads and writes", async () => {
    expect((await call(listUsers, null, "GET", "/api/console/users")).status).toBe(401);
    expect((await call(createUser, null, "POST", "/api/console/users", { body: newUser })).status).toBe(401);
    expect((await call(listTools, null, "GET", "/api/console/tools")).status).toBe(401);
    expect((await call(createTool, null, "POST", "/api/console/tools", { body: { entry: tool } })).status).toBe(401);
  });

  it("a viewer gets 403 and nothing changes", async () => {
    expect((await call(listUsers, viewer, "GET", "/api/console/users")).status).toBe(403);
    expect((await call(createUser, viewer, "POST", "/api/console/users", { body: newUser })).status).toBe(403);
    expect((await call(patchUser, viewer, "PATCH", `/api/console/users/${viewer}`, { body: { roles: ["admin"] }, p: { id: viewer } })).status).toBe(403);
    expect((await call(resetPassword, viewer, "POST", `/api/console/users/${admin1}/password`, { body: { password: "taken-over-123" }, p: { id: admin1 } })).status).toBe(403);
    expect((await call(listTools, viewer, "GET", "/api/console/tools")).status).toBe(403);
    expect((await call(createTool, viewer, "POST", "/api/console/tools", { body: { entry: tool } })).status).toBe(403);
    expect((await db().user.findUniqueOrThrow({ where: { id: viewer } })).roles).toBe("viewer");
    expect(await db().user.count({ where: { email: "new.person@t.local" } })).toBe(0);
    expect(await db().tool.count()).toBe(0);
  });

  it("an admin's session is refused from a cross-site Origin or without the console header", async () => {
    const evil = await call(createUser, admin1, "POST", "/api/console/users", { body: newUser, headers: { origin: "https://evil.example" } });
    expect(evil.status).toBe(403);
    expect(evil.body.error.message).toBe("cross-site request refused");
    const evilTool = await call(createTool, admin1, "POST", "/api/console/tools", { body: { entry: tool }, headers: { origin: "https://evil.example" } });
    expect(evilTool.status).toBe(403);
    const noHeader = await call(patchUser, admin1, "PATCH", `/api/console/users/${viewer}`, {
      body: { roles: ["admin"] },
      p: { id: viewer },
      headers: { "x-gatehouse-console": "" },
    });
    expect(noHeader.status).toBe(403);
    expect(await db().user.count({ where: { email: "new.person@t.local" } })).toBe(0);
    expect(await db().tool.count()).toBe(0);
    expect((await db().user.findUniqueOrThrow({ where: { id: viewer } })).roles).toBe("viewer");
  });
});

describe("users", () => {
  it("an admin creates a user: e-mail normalised, argon2id hash, listed without the hash, audited; a duplicate is 409", async () => {
    // A reviewer is a grant: it exists once a second admin approves it.
    const req = await call(createUser, admin1, "POST", "/api/console/users", { body: newUser });
    expect(req.status).toBe(202);
    const g = req.body.grant_id as string;
    const r = await call(approveGrant, admin2, "POST", `/api/console/user-grants/${g}/approve`, { body: {}, p: { id: g } });
    expect(r.status).toBe(200);
    r.body.id = r.body.user_id;
    const row = await db().user.findUniqueOrThrow({ where: { id: r.body.id } });
    expect(row.email).toBe("new.person@t.local");
    expect(row.roles).toBe("reviewer");
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(row.passwordHash!, newUser.password)).toBe(true);
    const list = await call(listUsers, admin1, "GET", "/api/console/users");
    const listed = list.body.users.find((u: { id: string }) => u.id === r.body.id);
    expect(listed).toMatchObject({ email: "new.person@t.local", roles: ["reviewer"], disabled: false, lastSignInAt: null });
    expect(JSON.stringify(list.body)).not.toContain("argon2");
    expect(await db().auditEvent.count({ where: { type: "user.grant_requested", actorId: admin1 } })).toBe(1);
    expect(await db().auditEvent.count({ where: { type: "user.created", actorId: admin2 } })).toBe(1);
    expect((await call(createUser, admin1, "POST", "/api/console/users", { body: newUser })).status).toBe(409);
  });

  it("a short password or an unknown role is 422 with field issues", async () => {
    const short = await call(createUser, admin1, "POST", "/api/console/users", { body: { ...newUser, email: "x@t.local", password: "short" } });
    expect(short.status).toBe(422);
    expect(short.body.error.issues[0].path).toBe("password");
    const role = await call(createUser, admin1, "POST", "/api/console/users", { body: { ...newUser, email: "y@t.local", roles: ["root"] } });
    expect(role.status).toBe(422);
  });

  it("disabling a user ends their session at once; a reset password replaces the hash", async () => {
    const id = await makeUser("temp@t.local", ["viewer"]);
    expect((await call(listTools, id, "GET", "/api/console/tools")).status).toBe(403);
    expect((await call(patchUser, admin1, "PATCH", `/api/console/users/${id}`, { body: { disabled: true }, p: { id } })).status).toBe(200);
    expect((await call(listTools, id, "GET", "/api/console/tools")).status).toBe(401);
    expect((await call(resetPassword, admin1, "POST", `/api/console/users/${id}/password`, { body: { password: "another-long-one" }, p: { id } })).status).toBe(200);
    const row = await db().user.findUniqueOrThrow({ where: { id } });
    expect(await verifyPassword(row.passwordHash!, "another-long-one")).toBe(true);
    expect((await call(deleteUser, admin1, "DELETE", `/api/console/users/${id}`, { p: { id } })).status).toBe(200);
    expect(await db().user.count({ where: { id } })).toBe(0);
  });
});

describe("tools", () => {
  it("an admin creates a tool; it is listed and audited", async () => {
    const r = await call(createTool, admin1, "POST", "/api/console/tools", { body: { entry: tool } });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe("saved");
    const list = await call(listTools, admin1, "GET", "/api/console/tools");
    expect(list.body.tools.map((t: { name: string }) => t.name)).toEqual(["crm.note_add"]);
    expect(list.body.tools[0]).toMatchObject({ kind: "write", argsSchema: tool.argsSchema, undo: tool.undo });
    expect(await db().auditEvent.count({ where: { type: "tool.created", tool: "crm.note_add" } })).toBe(1);
  });

  it("an args schema that does not compile is 422 on argsSchema and nothing is saved", async () => {
    const bad = { ...tool, name: "crm.bad", argsSchema: { type: "object", properties: { n: { type: "integer", minimum: "zero" } } } };
    const r = await call(createTool, admin1, "POST", "/api/console/tools", { body: { entry: bad } });
    expect(r.status).toBe(422);
    expect(r.body.error.issues.map((i: { path: string }) => i.path)).toContain("argsSchema");
    expect(await db().tool.count({ where: { name: "crm.bad" } })).toBe(0);
  });

  it("lowering the kind waits for a different admin: the requester's approve is 403, the second admin's applies it", async () => {
    const put = await call(putTool, admin1, "PUT", "/api/console/tools/crm.note_add", { body: { entry: { ...tool, kind: "read" } }, p: { name: "crm.note_add" } });
    expect(put.status).toBe(202);
    expect(put.body.status).toBe("pending");
    expect((await db().tool.findUniqueOrThrow({ where: { name: "crm.note_add" } })).kind).toBe("write");
    const pending = (await call(listTools, admin2, "GET", "/api/console/tools")).body.pending;
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ tool: "crm.note_add", requestedBy: admin1, requestedByEmail: "admin1@t.local" });
    const seq = String(put.body.requestSeq);
    const own = await call(approveChange, admin1, "POST", `/api/console/tools/changes/${seq}/approve`, { p: { seq } });
    expect(own.status).toBe(403);
    expect(own.body.error.reason).toBe("author_cannot_approve");
    expect((await call(approveChange, viewer, "POST", `/api/console/tools/changes/${seq}/approve`, { p: { seq } })).status).toBe(403);
    expect((await db().tool.findUniqueOrThrow({ where: { name: "crm.note_add" } })).kind).toBe("write");
    expect((await call(approveChange, admin2, "POST", `/api/console/tools/changes/${seq}/approve`, { p: { seq } })).status).toBe(200);
    expect((await db().tool.findUniqueOrThrow({ where: { name: "crm.note_add" } })).kind).toBe("read");
    expect((await call(rejectChange, admin2, "POST", `/api/console/tools/changes/${seq}/reject`, { p: { seq } })).status).toBe(409);
  });

  it("a renaming PUT is 422; delete removes the tool", async () => {
    const rename = await call(putTool, admin1, "PUT", "/api/console/tools/crm.note_add", { body: { entry: { ...tool, name: "crm.other" } }, p: { name: "crm.note_add" } });
    expect(rename.status).toBe(422);
    expect((await call(deleteTool, viewer, "DELETE", "/api/console/tools/crm.note_add", { p: { name: "crm.note_add" } })).status).toBe(403);
    expect((await call(deleteTool, admin1, "DELETE", "/api/console/tools/crm.note_add", { p: { name: "crm.note_add" } })).status).toBe(200);
    expect(await db().tool.count({ where: { name: "crm.note_add" } })).toBe(0);
  });
});

describe("the last enabled admin", () => {
  it("cannot be demoted, disabled or deleted; the roles stay as they were", async () => {
    // admin1 demotes admin2, leaving admin1 as the only enabled admin.
    expect((await call(patchUser, admin1, "PATCH", `/api/console/users/${admin2}`, { body: { roles: ["viewer"] }, p: { id: admin2 } })).status).toBe(200);
    const auditBefore = await db().auditEvent.count();
    const demote = await call(patchUser, admin1, "PATCH", `/api/console/users/${admin1}`, { body: { roles: ["viewer"] }, p: { id: admin1 } });
    expect(demote.status).toBe(409);
    expect(demote.body.error.reason).toBe("last_admin");
    expect(demote.body.error.message).toMatch(/no enabled admin/);
    expect((await call(patchUser, admin1, "PATCH", `/api/console/users/${admin1}`, { body: { disabled: true }, p: { id: admin1 } })).status).toBe(409);
    expect((await call(deleteUser, admin1, "DELETE", `/api/console/users/${admin1}`, { p: { id: admin1 } })).status).toBe(409);
    const row = await db().user.findUniqueOrThrow({ where: { id: admin1 } });
    expect([row.roles, row.disabled]).toEqual(["admin", false]);
    // The refused changes rolled back with their audit events.
    expect(await db().auditEvent.count()).toBe(auditBefore);
  });

  it("a disabled admin does not count; re-enabling one is a grant a second admin approves", async () => {
    const admin3 = await makeUser("admin3@t.local", ["admin"]);
    await db().user.update({ where: { id: admin3 }, data: { disabled: true } });
    expect((await call(patchUser, admin1, "PATCH", `/api/console/users/${admin1}`, { body: { roles: ["viewer"] }, p: { id: admin1 } })).status).toBe(409);
    const re = await call(patchUser, admin1, "PATCH", `/api/console/users/${admin3}`, { body: { disabled: false }, p: { id: admin3 } });
    expect(re.status).toBe(202);
    expect((await db().user.findUniqueOrThrow({ where: { id: admin3 } })).disabled).toBe(true);
    expect((await call(patchUser, admin1, "PATCH", `/api/console/users/${admin1}`, { body: { roles: ["viewer"] }, p: { id: admin1 } })).status).toBe(409);
    // Approved by an admin who is neither the requester nor the account, admin3 counts again and admin1 may step down.
    const admin4 = await makeUser("admin4@t.local", ["admin"]);
    const g = re.body.grant_id as string;
    expect((await call(approveGrant, admin4, "POST", `/api/console/user-grants/${g}/approve`, { body: {}, p: { id: g } })).status).toBe(200);
    expect((await call(patchUser, admin1, "PATCH", `/api/console/users/${admin1}`, { body: { roles: ["viewer"] }, p: { id: admin1 } })).status).toBe(200);
  });
});
