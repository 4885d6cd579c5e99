import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="max-w-md text-center">
        <h1 className="text-2xl font-semibold">403 — Forbidden</h1>
        <p className="mt-2 text-sm text-slate-600">Your account does not have a role that may open this page.</p>
        <Link href="/" className="mt-4 inline-block text-sm font-medium text-slate-900 underline">
          Back to the dashboard
        </Link>
      </div>
    </main>
  );
}
