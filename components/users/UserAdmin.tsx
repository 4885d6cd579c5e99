"use client";

import { Fragment, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { Role } from "@/lib/auth/roles";
import type { UserRow } from "@/lib/users/manage-users";
import type { GrantView } from "@/lib/users/grants";
import { fetchConsole } from "@/components/console/fetch-console";
import { adminKeys } from "@/components/policies/admin-keys";
import { Badge, type BadgeTone } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";
import { NewUserForm, type NewUser } from "@/components/users/NewUserForm";
import { UserRowEditor } from "@/components/users/UserRowEditor";
import { PendingGrants } from "@/components/users/PendingGrants";
import { SsoMappings } from "@/components/users/SsoMappings";
import { Canaries } from "@/components/users/Canaries";
import { formatDateTime } from "@/components/ui/format-time";

// The header's role chips use the same colours.
const ROLE_TONE: Record<string, BadgeTone> = { admin: "violet", reviewer: "blue", oncall: "red", viewer: "slate" };

type Editing = { id: string; mode: "roles" | "password" } | null;

/**
 * Console users: create, change roles, disable/enable, reset a password,
 * delete. The server refuses anything that would leave no enabled admin; its
 * message is shown as is. Granting admin, reviewer or on-call (creating,
 * adding the role, re-enabling, resetting such a password) is a request that
 * another admin approves below.
 */
export function UserAdmin({ selfId, sso }: { selfId: string; sso: boolean }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: adminKeys.users(), queryFn: () => fetchConsole<{ users: UserRow[] }>("/api/console/users") });
  const grants = useQuery({ queryKey: adminKeys.userGrants(), queryFn: () => fetchConsole<{ grants: GrantView[] }>("/api/console/user-grants") });
  const [editing, setEditing] = useState<Editing>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  /** Run one API call; true when it succeeded. */
  const act = async (fn: () => Promise<unknown>, done: string): Promise<boolean> => {
    setError(null);
    setNotice(null);
    try {
      const r = (await fn()) as { status?: string } | undefined;
      setNotice(r?.status === "pending" ? "Requested: it takes effect when another admin approves it under Pending role grants." : done);
      setEditing(null);
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    } finally {
      await qc.invalidateQueries({ queryKey: adminKeys.users() });
    }
  };
  const decide = (id: string, decision: "approve" | "reject") =>
    void act(send(`/api/console/user-grants/${id}/${decision}`, "POST", {}), decision === "approve" ? "Approved: the grant is in effect." : "Rejected the grant.");
  const send = (path: string, method: string, body?: unknown) => () => fetchConsole(path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  const create = (u: NewUser) => act(send("/api/console/users", "POST", u), `Created ${u.email.trim().toLowerCase()}.`);
  const users = q.data?.users ?? [];
  return (
    <div className="space-y-4">
      <NewUserForm onCreate={create} />
      <PendingGrants grants={grants.data?.grants ?? []} selfId={selfId} onDecide={decide} />
      {error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {notice ? (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {notice}
        </p>
      ) : null}
      {q.isError ? (
        <p role="alert" className="text-sm text-red-700">
          {(q.error as Error).message}
        </p>
      ) : null}
      <Table label="Console users" head={["Email", "Name", "Roles", "State", "Last sign-in", "Actions"]}>
        {users.map((u) => {
          const open = editing?.id === u.id ? editing : null;
          return (
            <Fragment key={u.id}>
              <tr data-testid={`user-${u.email}`} className={u.disabled ? "bg-slate-50 text-slate-500" : undefined}>
                <Td className="font-mono text-xs">
                  {u.email}
                  {u.id === selfId ? <span className="ml-1 font-sans text-slate-500">(you)</span> : null}
                </Td>
                <Td>{u.name}</Td>
                <Td>
                  <span className="flex flex-wrap gap-1">
                    {u.roles.length ? (
                      u.roles.map((r) => (
                        <Badge key={r} tone={ROLE_TONE[r] ?? "slate"}>
                          {r}
                        </Badge>
                      ))
                    ) : (
                      <span className="text-xs text-slate-500">no role</span>
                    )}
                  </span>
                  {/* Where each role applies: the override, else the user's scopes. */}
                  <span className="mt-1 block font-mono text-xs text-slate-600" data-testid={`scopes-${u.email}`}>
                    {u.roleScopes ? `${u.roleScopes} (others: ${u.scopes || "nowhere"})` : `on ${u.scopes || "nowhere"}`}
                  </span>
                </Td>
                <Td>{u.disabled ? <Badge tone="red">disabled</Badge> : <Badge tone="green">enabled</Badge>}</Td>
                <Td className="whitespace-nowrap text-xs">{u.lastSignInAt ? formatDateTime(u.lastSignInAt) : "never"}</Td>
                <Td>
                  <span className="flex flex-wrap gap-x-3 gap-y-1 text-xs">
                    <button type="button" className="text-sky-700 hover:underline" aria-label={`Edit roles of ${u.email}`} onClick={() => setEditing({ id: u.id, mode: "roles" })}>
                      Roles
                    </button>
                    <button
                      type="button"
                      className="text-sky-700 hover:underline"
                      aria-label={`Reset password of ${u.email}`}
                      onClick={() => setEditing({ id: u.id, mode: "password" })}
                    >
                      Reset password
                    </button>
                    <button
                      type="button"
                      className="text-amber-800 hover:underline"
                      aria-label={`${u.disabled ? "Enable" : "Disable"} ${u.email}`}
                      onClick={() => void act(send(`/api/console/users/${u.id}`, "PATCH", { disabled: !u.disabled }), `${u.disabled ? "Enabled" : "Disabled"} ${u.email}.`)}
                    >
                      {u.disabled ? "Enable" : "Disable"}
                    </button>
                    <button
                      type="button"
                      className="text-red-700 hover:underline"
                      aria-label={`Delete ${u.email}`}
                      onClick={() => {
                        if (window.confirm(`Delete ${u.email}? Their audit history stays.`)) void act(send(`/api/console/users/${u.id}`, "DELETE"), `Deleted ${u.email}.`);
                      }}
                    >
                      Delete
                    </button>
                  </span>
                </Td>
              </tr>
              {open ? (
                <tr>
                  <td colSpan={6} className="bg-slate-50 px-3 py-2">
                    <UserRowEditor
                      user={u}
                      mode={open.mode}
                      onClose={() => setEditing(null)}
                      onSaveRoles={(roles: Role[], roleScopes?: string) =>
                        void act(
                          send(`/api/console/users/${u.id}`, "PATCH", roleScopes === undefined ? { roles } : { roles, role_scopes: roleScopes }),
                          `Saved roles of ${u.email}.`,
                        )
                      }
                      onResetPassword={(password) => void act(send(`/api/console/users/${u.id}/password`, "POST", { password }), `Set a new password for ${u.email}.`)}
                    />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          );
        })}
      </Table>
      {sso ? <SsoMappings onChanged={() => void qc.invalidateQueries({ queryKey: adminKeys.userGrants() })} /> : null}
      <Canaries />
    </div>
  );
}
