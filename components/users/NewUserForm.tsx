"use client";

import { useState } from "react";
import { ROLES } from "@/lib/auth/roles";

export type NewUser = { email: string; name: string; password: string; roles: string[] };

/** Create a console user: e-mail, name, roles and an initial password (hashed with argon2id on the server). */
export function NewUserForm({ onCreate }: { onCreate: (u: NewUser) => Promise<boolean> }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [roles, setRoles] = useState<string[]>(["viewer"]);
  return (
    <form
      aria-label="New user"
      className="flex flex-wrap items-end gap-3 rounded-md border border-slate-200 bg-white p-3 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        void onCreate({ email, name, password, roles }).then((ok) => {
          if (!ok) return;
          setEmail("");
          setName("");
          setPassword("");
          setRoles(["viewer"]);
        });
      }}
    >
      <label className="flex flex-col gap-0.5">
        <span className="text-xs text-slate-600">Email</span>
        <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} className="w-56 rounded border border-slate-300 p-1" />
      </label>
      <label className="flex flex-col gap-0.5">
        <span className="text-xs text-slate-600">Name</span>
        <input required value={name} onChange={(e) => setName(e.target.value)} className="w-40 rounded border border-slate-300 p-1" />
      </label>
      <label className="flex flex-col gap-0.5">
        <span className="text-xs text-slate-600">Initial password</span>
        <input
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className="w-44 rounded border border-slate-300 p-1"
        />
      </label>
      <fieldset className="flex items-center gap-3 pb-1">
        <legend className="mb-0.5 text-xs text-slate-600">Roles</legend>
        {ROLES.map((r) => (
          <label key={r} className="flex items-center gap-1">
            <input type="checkbox" checked={roles.includes(r)} onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))} />
            {r}
          </label>
        ))}
      </fieldset>
      <button type="submit" className="rounded bg-slate-900 px-3 py-1.5 text-white">
        Create user
      </button>
    </form>
  );
}
