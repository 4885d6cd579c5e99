import { Children, type ReactNode } from "react";

/**
 * A dense, bordered table; `head` are the column titles. `empty` is what a loaded table with no rows says
 * (pass it only once the data is there, so "loading" never reads as "none").
 */
export function Table({ head, children, label, empty }: { head: string[]; children: ReactNode; label?: string; empty?: string }) {
  return (
    // Focusable so a keyboard can scroll a table wider than a phone (axe: scrollable-region-focusable).
    <div className="overflow-x-auto rounded-md border border-slate-200 bg-white" tabIndex={0} role="region" aria-label={label}>
      <table className="w-full text-left text-sm" aria-label={label}>
        <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            {head.map((h) => (
              <th key={h} scope="col" className="px-3 py-2 font-medium">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {empty !== undefined && Children.count(children) === 0 ? (
            <tr>
              <td colSpan={head.length} className="px-3 py-3 text-sm text-slate-600" data-testid="table-empty">
                {empty}
              </td>
            </tr>
          ) : (
            children
          )}
        </tbody>
      </table>
    </div>
  );
}

/** One table cell with the shared padding. */
export function Td({ children, className = "" }: { children?: ReactNode; className?: string }) {
  return <td className={`px-3 py-2 align-top ${className}`}>{children}</td>;
}
