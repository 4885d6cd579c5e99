import type { ReactNode } from "react";

/** The h1 and one line of context at the top of every console page. */
export function PageHeader({ title, description, actions }: { title: string; description?: string; actions?: ReactNode }) {
  return (
    <div className="mb-5 flex flex-wrap items-end justify-between gap-x-4 gap-y-2 border-b border-slate-200 pb-4">
      {/* min-w-0 and anywhere-wrapping: a long id in a title (an action's) wraps on a phone instead of widening the page. */}
      <div className="min-w-0">
        <h1 className="text-xl font-semibold tracking-tight text-slate-900 [overflow-wrap:anywhere]">{title}</h1>
        {description ? <p className="mt-1 text-sm text-slate-500 [overflow-wrap:anywhere]">{description}</p> : null}
      </div>
      {actions}
    </div>
  );
}
