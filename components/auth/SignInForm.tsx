"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { signInMessage } from "@/components/auth/sign-in-messages";

type Props = { callbackUrl: string; oidcName: string | null; initialError: string | null; recoveryOnly?: boolean };

/**
 * Email + password form (and the SSO button when OIDC is configured). With
 * password sign-in off (`recoveryOnly`) the SSO button comes first and the
 * form is the recovery sign-in: password plus a one-time recovery code.
 */
export function SignInForm({ callbackUrl, oidcName, initialError, recoveryOnly = false }: Props) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [recoveryCode, setRecoveryCode] = useState("");
  const [error, setError] = useState<string | null>(signInMessage(initialError));
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await signIn("credentials", { email, password, ...(recoveryOnly ? { recoveryCode } : {}), redirect: false, callbackUrl });
      const message = res ? signInMessage(res.error, res.status) : signInMessage("unavailable");
      if (message || !res?.ok) {
        setError(message ?? signInMessage("unavailable"));
        setBusy(false);
        return;
      }
      // A full navigation, so the server renders the console with the new cookie.
      window.location.assign(callbackUrl);
    } catch {
      setError(signInMessage("unavailable"));
      setBusy(false);
    }
  }

  const sso = oidcName ? (
    <button
      type="button"
      onClick={() => signIn("oidc", { callbackUrl })}
      className={
        recoveryOnly
          ? "w-full rounded-md bg-slate-900 px-3 py-2 text-sm font-medium text-white hover:bg-slate-800"
          : "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50"
      }
    >
      Continue with {oidcName}
    </button>
  ) : null;
  const form = (
    <>
      {/* method="post": if the form is submitted before hydration, the password must not land in the URL. */}
      <form method="post" onSubmit={onSubmit} className="space-y-4" noValidate>
        <div className="space-y-1">
          <label htmlFor="email" className="block text-sm font-medium text-slate-700">
            Email
          </label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm outline-none focus:border-slate-500 focus:ring-2 focus:ring-slate-200"
          />
        </div>
        <div className="space-y-1">
          <label htmlFor="password" className="block text-sm font-medium text-slate-700">
            Password
          </label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm outline-none focus:border-slate-500 focus:ring-2 focus:ring-slate-200"
          />
        </div>
        {recoveryOnly ? (
          <div className="space-y-1">
            <label htmlFor="recovery-code" className="block text-sm font-medium text-slate-700">
              Recovery code
            </label>
            <input
              id="recovery-code"
              name="recoveryCode"
              type="password"
              autoComplete="one-time-code"
              required
              value={recoveryCode}
              onChange={(e) => setRecoveryCode(e.target.value)}
              className="block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm shadow-sm outline-none focus:border-slate-500 focus:ring-2 focus:ring-slate-200"
            />
          </div>
        ) : null}
        {error ? (
          <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-700">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy} className="w-full rounded-md bg-slate-900 px-3 py-2 text-sm font-medium text-white hover:bg-slate-800 disabled:opacity-60">
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </>
  );
  if (recoveryOnly) {
    return (
      <div className="space-y-4">
        {sso}
        <details className="rounded-md border border-slate-200 p-3 text-sm">
          <summary className="cursor-pointer text-slate-700">Recovery sign-in (identity provider down)</summary>
          <p className="my-2 text-xs text-slate-500">An admin&apos;s password and one of their one-time recovery codes. Every use is audited and raises an alert.</p>
          <div className="space-y-4">{form}</div>
        </details>
      </div>
    );
  }
  return (
    <div className="space-y-4">
      {form}
      {sso ? (
        <>
          <div className="flex items-center gap-3 text-xs text-slate-400">
            <span className="h-px flex-1 bg-slate-200" />
            or
            <span className="h-px flex-1 bg-slate-200" />
          </div>
          {sso}
        </>
      ) : null}
    </div>
  );
}
