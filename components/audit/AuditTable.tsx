import type { AuditRow } from "@/lib/console/list-recent-audit";
import { Table, Td } from "@/components/ui/Table";

/** The latest audit events, newest first. */
export function AuditTable({ rows }: { rows: AuditRow[] }) {
  return (
    <Table label="Audit events" head={["#", "Time (UTC)", "Type", "Actor", "Tenant / env", "Route", "Tool", "Status"]}>
      {rows.map((r) => (
        <tr key={r.seq}>
          <Td className="tabular-nums text-slate-500">{r.seq}</Td>
          <Td className="whitespace-nowrap text-xs">{r.at.replace("T", " ").slice(0, 19)}</Td>
          <Td className="font-mono text-xs">{r.type}</Td>
          <Td className="max-w-[14rem] truncate text-xs">{r.actor}</Td>
          <Td className="text-xs">{r.tenantId ? `${r.tenantId} / ${r.env ?? "–"}` : "–"}</Td>
          <Td className="font-mono text-xs">{r.route ?? "–"}</Td>
          <Td className="font-mono text-xs">{r.tool ?? "–"}</Td>
          <Td className="text-xs">{r.status ?? "–"}</Td>
        </tr>
      ))}
    </Table>
  );
}
