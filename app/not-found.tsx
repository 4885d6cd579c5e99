import Link from "next/link";
import { connection } from "next/server";

/**
 * Rendered per request, like every console page: a page prerendered at build
 * time has no CSP nonce, so proxy.ts's 'strict-dynamic' policy would block all
 * of its scripts.
 */
export default async function NotFound() {
  await connection();
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="max-w-md text-center">
        <h1 className="text-2xl font-semibold">404 — Not found</h1>
        <p className="mt-2 text-sm text-slate-600">There is nothing at this address.</p>
        <Link href="/" className="mt-4 inline-block text-sm font-medium text-slate-900 underline">
          Back to the dashboard
        </Link>
      </div>
    </main>
  );
}
