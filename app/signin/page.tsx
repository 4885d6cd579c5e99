import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { env } from "@/lib/env";
import { getSessionUser } from "@/lib/auth/session";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { SignInForm } from "@/components/auth/SignInForm";
import { GatehouseMark } from "@/components/ui/GatehouseMark";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<{ callbackUrl?: string | string[]; error?: string | string[] }> };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export default async function SignInPage({ searchParams }: Props) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(first(params.callbackUrl), env().publicUrl);
  if (await getSessionUser()) redirect(callbackUrl);
  const e = env();
  const oidcName = e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET ? e.OIDC_NAME : null;
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex justify-center">
          <GatehouseMark className="text-lg" />
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="mb-1 text-lg font-semibold">Sign in to the console</h1>
          <p className="mb-5 text-sm text-slate-500">Reviewers, admins and on-call only. Agents use API keys.</p>
          <SignInForm callbackUrl={callbackUrl} oidcName={oidcName} initialError={first(params.error) ?? null} recoveryOnly={e.GATEHOUSE_PASSWORD_SIGNIN === "off"} />
        </div>
      </div>
    </main>
  );
}
