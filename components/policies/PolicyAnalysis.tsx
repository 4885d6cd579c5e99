"use client";

import type { PolicyAnalysis as Analysis } from "@/lib/policy/analyze-policy";
import { Table, Td } from "@/components/ui/Table";

/** The analyzer's findings and the effective outcome per catalog tool (now and with the draft), shown before saving. */
export function PolicyAnalysis({ analysis }: { analysis: Analysis }) {
  return (
    <div className="space-y-2">
      {analysis.findings.length ? (
        <ul aria-label="Analyzer findings" className="list-disc pl-5 text-sm text-amber-800">
          {analysis.findings.map((f) => (
            <li key={f.kind + f.tool}>{f.message}</li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-600">The analyzer finds no dead or unknown entries.</p>
      )}
      <Table label="Effective outcome per tool" head={["Tool", "Kind", "Lists", "Active", "Draft"]}>
        {analysis.table.map((r) => (
          <tr key={r.key} className={r.current !== undefined && r.current !== r.outcome ? "bg-amber-50" : undefined}>
            <Td className="font-mono text-xs">
              {r.tool}
              {r.branch ? <span className="block text-slate-500">{r.branch}</span> : null}
            </Td>
            <Td className="text-xs">{r.kind}</Td>
            <Td className="text-xs">{r.lists.join(", ")}</Td>
            <Td className="text-xs">{r.current ?? ""}</Td>
            <Td className="text-xs">{r.outcome}</Td>
          </tr>
        ))}
      </Table>
    </div>
  );
}
