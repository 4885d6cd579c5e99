import type { StateNotice } from "@/lib/approvals/action-state";

/**
 * What changed in the world since the proposal (kill switch, open breaker,
 * policy change, revoked credential, a gateway tool withheld or its upstream failing), in Gatehouse's words. A blocking one is
 * red and the decision bar says approving is not possible.
 */
export function StateNotices({ notices, compact = false }: { notices: StateNotice[]; compact?: boolean }) {
  if (!notices.length) return null;
  return (
    <ul className={compact ? "mt-0.5 space-y-0.5" : "space-y-1"} data-testid="card-state" aria-label="Current state">
      {notices.map((n, i) => (
        <li
          key={i}
          data-code={n.code}
          data-blocks={n.blocks ? "true" : "false"}
          className={`${compact ? "text-[11px]" : "rounded px-2 py-1 text-sm ring-1"} ${
            n.blocks
              ? compact
                ? "font-semibold text-red-800"
                : "bg-red-50 font-medium text-red-900 ring-red-300"
              : compact
                ? "text-amber-900"
                : "bg-amber-50 text-amber-950 ring-amber-300"
          }`}
        >
          <span aria-hidden="true">{n.blocks ? "⛔ " : "⚠ "}</span>
          {compact ? shortLabel(n) : n.message}
        </li>
      ))}
    </ul>
  );
}

function shortLabel(n: StateNotice): string {
  switch (n.code) {
    case "kill_switch":
      return "kill switch on";
    case "circuit_open":
      return "circuit breaker open";
    case "policy_changed":
      return "policy changed";
    case "tool_withheld":
      return "tool withheld: will not run";
    case "upstream_failing":
      return "MCP upstream failing";
    default:
      return n.message;
  }
}
