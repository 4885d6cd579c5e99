import type { AgentRow } from "@/lib/console/list-agents";
import { Badge } from "@/components/ui/Badge";
import { Table, Td } from "@/components/ui/Table";
import { formatDateTime } from "@/components/ui/format-time";

const when = (iso: string | null) => (iso ? formatDateTime(iso) : "never");

/** Agent credentials: key prefix only, scope, routes, last use. */
export function AgentTable({ agents }: { agents: AgentRow[] }) {
  return (
    <Table label="Agent credentials" head={["Name", "Key prefix", "Tenant / env", "Routes", "Last used", "State"]}>
      {agents.map((a) => (
        <tr key={a.id}>
          <Td className="font-medium">{a.name}</Td>
          <Td className="font-mono text-xs">{a.keyPrefix}…</Td>
          <Td>
            {a.tenantId} / {a.env}
          </Td>
          <Td>
            <span className="flex flex-wrap gap-1">
              {a.routes.map((r) => (
                <Badge key={r}>{r}</Badge>
              ))}
            </span>
          </Td>
          <Td className="whitespace-nowrap text-xs text-slate-500">{when(a.lastUsedAt)}</Td>
          <Td>{a.revoked ? <Badge tone="red">revoked</Badge> : <Badge tone="green">active</Badge>}</Td>
        </tr>
      ))}
    </Table>
  );
}
