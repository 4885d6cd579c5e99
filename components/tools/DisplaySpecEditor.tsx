"use client";

import { CARD_FIELD_RENDERS, FIELD_VISIBILITIES, resolveDisplayFields, schemaProperties, type DisplayField } from "@/lib/catalog/display-spec";

const input = "w-full rounded border border-slate-300 p-1 text-sm";

function parseSchema(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The approval card's display spec, one row per argument field: order, label,
 * rendering and visibility. Starts from the default (every schema field shown,
 * in schema order); masking or hiding a field is saved as a request for a
 * second admin (it can blind reviewers), showing more applies at once.
 */
export function DisplaySpecEditor({ argsSchema, value, onChange }: { argsSchema: string; value: DisplayField[] | null; onChange: (v: DisplayField[] | null) => void }) {
  const schema = parseSchema(argsSchema);
  if (!schema) return <p className="text-xs text-slate-500">Fix the args schema (it is not JSON) to edit the card&apos;s display spec.</p>;
  const known = new Set(schemaProperties(schema).map(([k]) => k));
  // Rows: the spec's fields the schema still has, then the rest of the schema (as the card would show them).
  const rows: DisplayField[] = resolveDisplayFields(schema, value ? { fields: value.filter((f) => known.has(f.field)) } : null).map((f) => ({
    field: f.field,
    label: f.label,
    render: f.render,
    visibility: f.visibility,
    ...(f.currency ? { currency: f.currency } : {}),
    ...(f.currencyField ? { currencyField: f.currencyField } : {}),
  }));
  if (rows.length === 0) return <p className="text-xs text-slate-500">The args schema lists no fields; the card shows the arguments as JSON.</p>;
  const update = (i: number, patch: Partial<DisplayField>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...rows];
    const [r] = next.splice(i, 1);
    next.splice(i + by, 0, r!);
    onChange(next);
  };
  return (
    <div className="space-y-2">
      <div className="overflow-x-auto">
        <table aria-label="Display spec" className="w-full text-left text-sm">
          <thead className="text-xs text-slate-500">
            <tr>
              <th className="py-1 pr-2 font-medium">Order</th>
              <th className="py-1 pr-2 font-medium">Argument</th>
              <th className="py-1 pr-2 font-medium">Label on the card</th>
              <th className="py-1 pr-2 font-medium">Rendering</th>
              <th className="py-1 pr-2 font-medium">On the card</th>
              <th className="py-1 pr-2 font-medium">Currency</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={r.field} data-testid={`display-field-${r.field}`} className="border-t border-slate-100">
                <td className="whitespace-nowrap py-1 pr-2">
                  <button type="button" className="px-1 text-slate-600 disabled:opacity-30" disabled={i === 0} aria-label={`Move ${r.field} up`} onClick={() => move(i, -1)}>
                    ↑
                  </button>
                  <button
                    type="button"
                    className="px-1 text-slate-600 disabled:opacity-30"
                    disabled={i === rows.length - 1}
                    aria-label={`Move ${r.field} down`}
                    onClick={() => move(i, 1)}
                  >
                    ↓
                  </button>
                </td>
                <td className="py-1 pr-2 font-mono text-xs">{r.field}</td>
                <td className="py-1 pr-2">
                  <input aria-label={`Label of ${r.field}`} maxLength={60} value={r.label ?? ""} onChange={(e) => update(i, { label: e.target.value })} className={input} />
                </td>
                <td className="py-1 pr-2">
                  <select
                    aria-label={`Rendering of ${r.field}`}
                    value={r.render}
                    onChange={(e) => update(i, { render: e.target.value as DisplayField["render"] })}
                    className={input}
                  >
                    {CARD_FIELD_RENDERS.map((k) => (
                      <option key={k}>{k}</option>
                    ))}
                  </select>
                </td>
                <td className="py-1 pr-2">
                  <select
                    aria-label={`Visibility of ${r.field}`}
                    value={r.visibility}
                    onChange={(e) => update(i, { visibility: e.target.value as DisplayField["visibility"] })}
                    className={input}
                  >
                    {FIELD_VISIBILITIES.map((k) => (
                      <option key={k}>{k}</option>
                    ))}
                  </select>
                </td>
                <td className="py-1 pr-2">
                  {r.render === "money" ? (
                    <input
                      aria-label={`Currency of ${r.field}`}
                      placeholder="USD or a field name"
                      value={r.currency ?? r.currencyField ?? ""}
                      onChange={(e) => {
                        const v = e.target.value.trim();
                        const { currency: _c, currencyField: _f, ...rest } = r;
                        void _c;
                        void _f;
                        onChange(rows.map((x, j) => (j === i ? { ...rest, ...(/^[A-Z]{3}$/.test(v) ? { currency: v } : v ? { currencyField: v } : {}) } : x)));
                      }}
                      className={`${input} font-mono`}
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="text-xs text-slate-500">
        {value ? "A custom display spec." : "The default: every schema field shown, in schema order."} Masking or hiding a field needs a second admin; fields the spec does not name
        are shown after the others.{" "}
        {value ? (
          <button type="button" className="text-sky-700 underline" onClick={() => onChange(null)}>
            Back to the default
          </button>
        ) : null}
      </p>
    </div>
  );
}
