"use client";

import { useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { fetchConsole } from "@/components/console/fetch-console";
import { breakGlassKeys } from "@/components/break-glass/query-keys";
import { FormError, Section, dangerButtonClass, inputClass } from "@/components/break-glass/ui";

const DEFAULT_MINUTES = 15;
const MAX_MINUTES = 60;

/** Password re-entry, reason and duration (whole minutes, 1–60; the server enforces the same). */
export function OpenBreakGlassForm() {
  const qc = useQueryClient();
  const [password, setPassword] = useState("");
  const [reason, setReason] = useState("");
  const [minutes, setMinutes] = useState(DEFAULT_MINUTES);
  const open = useMutation({
    mutationFn: () => fetchConsole("/api/console/break-glass", { method: "POST", body: JSON.stringify({ password, reason, duration_minutes: minutes }) }),
    onSuccess: () => {
      setPassword("");
      void qc.invalidateQueries({ queryKey: breakGlassKeys.all });
    },
  });
  return (
    <Section title="Open break-glass">
      <form
        className="grid max-w-md gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          open.mutate();
        }}
      >
        <label className="text-sm font-medium text-slate-700">
          Reason
          <textarea className={inputClass} value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} rows={2} />
        </label>
        <label className="text-sm font-medium text-slate-700">
          Duration (minutes)
          <input className={inputClass} type="number" min={1} max={MAX_MINUTES} step={1} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} required />
        </label>
        <label className="text-sm font-medium text-slate-700">
          Password
          <input className={inputClass} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <div>
          <button type="submit" className={dangerButtonClass} disabled={open.isPending}>
            Open break-glass
          </button>
        </div>
        <FormError error={open.error} />
      </form>
    </Section>
  );
}
