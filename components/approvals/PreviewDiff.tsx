import { diffJson, diffWordsWithSpace, type ChangeObject } from "diff";
import { displayValue, visibleText } from "@/components/approvals/visible-text";

type Props = { before: unknown; after: unknown };

function changes(before: unknown, after: unknown): ChangeObject<string>[] {
  if (typeof before === "string" && typeof after === "string") return diffWordsWithSpace(before, after);
  if (before === undefined || after === undefined) {
    // One side only: show it whole as added or removed.
    const only = before === undefined ? after : before;
    return [{ value: displayValue(only), added: before === undefined, removed: after === undefined, count: 1 }];
  }
  return diffJson(before as object, after as object);
}

/**
 * The agent's before/after preview as one diff: removed text struck through on
 * red with "−", added text on green with "+" (meaning never by colour alone).
 */
export function PreviewDiff({ before, after }: Props) {
  const parts = changes(before, after);
  const json = !(typeof before === "string" && typeof after === "string");
  return (
    <pre
      tabIndex={0}
      className="max-h-48 overflow-auto whitespace-pre-wrap break-words rounded bg-white p-2 font-mono text-xs leading-5 text-slate-800"
      data-testid="preview-diff"
      aria-label="Before and after"
    >
      {parts.map((p, i) =>
        p.added ? (
          <ins key={i} className="bg-emerald-100 text-emerald-900 no-underline">
            {json ? prefixLines(p.value, "+ ") : visibleText(p.value)}
          </ins>
        ) : p.removed ? (
          <del key={i} className="bg-red-100 text-red-900">
            {json ? prefixLines(p.value, "− ") : visibleText(p.value)}
          </del>
        ) : (
          <span key={i}>{json ? prefixLines(p.value, "  ") : visibleText(p.value)}</span>
        ),
      )}
    </pre>
  );
}

function prefixLines(value: string, prefix: string): string {
  const text = visibleText(value);
  const trailing = text.endsWith("\n");
  const lines = (trailing ? text.slice(0, -1) : text).split("\n");
  return lines.map((l) => prefix + l).join("\n") + (trailing ? "\n" : "");
}
