import type { ReactNode } from "react";

export const inputClass = "mt-0.5 w-full rounded border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900";
export const buttonClass = "rounded bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-50";
export const dangerButtonClass = "rounded bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-600 disabled:opacity-50";

/** A titled panel on the break-glass page. */
export function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="rounded-md border border-slate-200 bg-white p-4" aria-label={title}>
      <h2 className="mb-3 text-sm font-semibold text-slate-900">{title}</h2>
      {children}
    </section>
  );
}

/** A form error; role=alert so screen readers (and tests) hear it. */
export function FormError({ error }: { error: Error | null }) {
  return error ? (
    <p role="alert" className="mt-2 text-sm text-red-700">
      {error.message}
    </p>
  ) : null;
}
