import type { ToolRow } from "@/lib/console/list-tools";
import { Badge, kindTone } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";

/** The tool catalog: kind, what it does, blast radius, undo. */
export function ToolTable({ tools }: { tools: ToolRow[] }) {
  return (
    <Table label="Tool catalog" head={["Tool", "Kind", "Summary", "Blast radius", "Undo"]}>
      {tools.map((t) => (
        <tr key={t.name}>
          <Td className="font-mono text-xs">{t.name}</Td>
          <Td>
            <Badge tone={kindTone(t.kind)}>{t.kind}</Badge>
          </Td>
          <Td>
            <div>{t.summaryTemplate}</div>
            {t.description ? <div className="text-xs text-slate-500">{t.description}</div> : null}
          </Td>
          <Td className="text-xs">{t.blastRadius}</Td>
          <Td className={`text-xs ${t.undo === "irreversible" ? "font-medium text-red-700" : ""}`}>{t.undo}</Td>
        </tr>
      ))}
    </Table>
  );
}
