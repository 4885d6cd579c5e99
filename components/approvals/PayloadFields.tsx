import type { CardField } from "@/lib/approvals/card-payload";
import { visibleText } from "@/components/approvals/visible-text";

const FENCE = "min-w-0 rounded-sm border-l-2 border-dashed border-amber-500 bg-amber-50/60 pl-1.5 text-slate-900 [overflow-wrap:anywhere]";

/** One value as its display spec says: the agent's characters, fenced, invisible ones shown. */
function Value({ f }: { f: CardField }) {
  if (f.value === null) return <span className="text-xs italic text-slate-600">not provided</span>;
  const text = visibleText(f.value);
  const masked = f.masked ? <span className="ml-1 text-[11px] font-normal text-slate-600">(masked)</span> : null;
  switch (f.render) {
    case "multiline":
    case "json":
      return (
        <div data-agent-supplied="agent" className={FENCE}>
          <pre
            tabIndex={0}
            aria-label={f.label}
            className="max-h-32 overflow-auto whitespace-pre-wrap break-words font-mono text-xs leading-5"
            data-testid={`field-value-${f.key}`}
          >
            {text}
          </pre>
          {masked}
        </div>
      );
    case "money":
      return (
        <span data-agent-supplied="agent" className={`${FENCE} inline-block font-semibold tabular-nums`} data-testid={`field-value-${f.key}`}>
          {text}
          {f.currency ? ` ${visibleText(f.currency)}` : ""}
          {masked}
        </span>
      );
    case "email":
    case "id":
      return (
        <span data-agent-supplied="agent" className={`${FENCE} inline-block font-mono text-xs`} data-testid={`field-value-${f.key}`}>
          {text}
          {masked}
        </span>
      );
    case "enum":
      return (
        <span data-agent-supplied="agent" className={`${FENCE} inline-block text-xs font-medium`} data-testid={`field-value-${f.key}`}>
          {text}
          {masked}
        </span>
      );
    default:
      return (
        <span data-agent-supplied="agent" className={`${FENCE} inline-block text-sm`} data-testid={`field-value-${f.key}`}>
          {text}
          {masked}
        </span>
      );
  }
}

/**
 * The payload as a reviewer reads it: each field's label (Gatehouse's words,
 * from the display spec) beside its value (the agent's, fenced). An e-mail
 * reads as To / Subject / Body; a refund as amount, currency and order.
 */
export function PayloadFields({ fields }: { fields: CardField[] }) {
  if (!fields.length) return <p className="text-xs text-slate-600">This tool takes no arguments.</p>;
  return (
    <dl className="grid grid-cols-[minmax(4.5rem,max-content)_minmax(0,1fr)] gap-x-3 gap-y-1" data-testid="payload-fields">
      {fields.map((f) => (
        <div key={f.key || "_other"} className="contents" data-testid="payload-field" data-key={f.key}>
          <dt className="pt-0.5 text-xs font-medium text-slate-600">{f.label}</dt>
          <dd className="min-w-0">
            <Value f={f} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
