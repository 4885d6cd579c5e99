import type { ActionRow } from "@/lib/console/list-actions";
import { Badge, kindTone, statusTone } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";

/** Actions as a dense table; the summary is server-rendered text (never HTML). */
export function ActionTable({ rows, label }: { rows: ActionRow[]; label: string }) {
  return (
    <Table label={label} head={["Summary", "Tool", "Tenant / env", "Route", "Status", "Proposed"]}>
      {rows.map((a) => (
        <tr key={a.id}>
          <Td className="max-w-md">{a.summary}</Td>
          <Td>
            <span className="font-mono text-xs">{a.tool}</span> <Badge tone={kindTone(a.toolKind)}>{a.toolKind}</Badge>
          </Td>
          <Td>
            {a.tenantId} / {a.env}
          </Td>
          <Td className="font-mono text-xs">{a.route}</Td>
          <Td>
            <Badge tone={statusTone(a.status)}>{a.status}</Badge>
          </Td>
          <Td className="whitespace-nowrap text-xs text-slate-500">{new Date(a.createdAt).toLocaleString("en-GB", { timeZone: "UTC" })} UTC</Td>
        </tr>
      ))}
    </Table>
  );
}
