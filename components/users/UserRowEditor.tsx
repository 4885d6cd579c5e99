"use client";

import { useState } from "react";
import { ROLES, type Role } from "@/lib/auth/roles";
import type { UserRow } from "@/lib/users/manage-users";

/**
 * The inline editor under a user's row: either their roles or a new password.
 * The server re-checks everything (last admin, password length); this only
 * collects the input.
 */
export function UserRowEditor({
  user,
  mode,
  onSaveRoles,
  onResetPassword,
  onClose,
}: {
  user: UserRow;
  mode: "roles" | "password";
  onSaveRoles: (roles: Role[], roleScopes?: string) => void;
  onResetPassword: (password: string) => void;
  onClose: () => void;
}) {
  const [roles, setRoles] = useState<string[]>(user.roles);
  const [password, setPassword] = useState("");
  const [roleScopes, setRoleScopes] = useState(user.roleScopes ?? "");
  if (mode === "roles") {
    return (
      <form
        aria-label={`Roles for ${user.email}`}
        className="flex flex-wrap items-center gap-3 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          // The server validates the override (lib/auth/scopes.ts parseRoleScopesStrict); unchanged → not sent.
          onSaveRoles(
            ROLES.filter((r) => roles.includes(r)),
            roleScopes.trim() === (user.roleScopes ?? "") ? undefined : roleScopes.trim(),
          );
        }}
      >
        {ROLES.map((r) => (
          <label key={r} className="flex items-center gap-1">
            <input type="checkbox" checked={roles.includes(r)} onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} />
            {r}
          </label>
        ))}
        <label className="flex items-center gap-2">
          <span className="text-xs text-slate-700">Per-role scopes</span>
          <input
            value={roleScopes}
            onChange={(e) => setRoleScopes(e.target.value)}
            placeholder="reviewer=acme/prod;admin=*"
            aria-label="Per-role scopes"
            className="rounded border border-slate-300 px-2 py-1 font-mono text-xs"
          />
        </label>
        <button type="submit" className="rounded bg-slate-900 px-3 py-1 text-white">
          Save roles
        </button>
        <button type="button" className="text-xs text-slate-600 underline" onClick={onClose}>
          Cancel
        </button>
      </form>
    );
  }
  return (
    <form
      aria-label={`New password for ${user.email}`}
      className="flex flex-wrap items-center gap-3 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        onResetPassword(password);
      }}
    >
      <label className="flex items-center gap-2">
        New password
        <input
          type="password"
          autoComplete="new-password"
          minLength={10}
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className="rounded border border-slate-300 p-1"
        />
      </label>
      <span className="text-xs text-slate-500">At least 10 characters. Their current sessions stay signed in; disable the user to cut access.</span>
      <button type="submit" className="rounded bg-slate-900 px-3 py-1 text-white">
        Set password
      </button>
      <button type="button" className="text-xs text-slate-600 underline" onClick={onClose}>
        Cancel
      </button>
    </form>
  );
}
