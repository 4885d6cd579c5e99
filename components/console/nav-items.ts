import type { Role } from "@/lib/auth/roles";

/** The console's sections, in nav order, with the roles that may open each page. */
export const NAV_ITEMS: { label: string; href: string; roles: readonly Role[] }[] = [
  { label: "Queue", href: "/queue", roles: ["reviewer", "admin", "oncall", "viewer"] },
  { label: "Actions", href: "/actions", roles: ["reviewer", "admin", "oncall", "viewer"] },
  { label: "Policies", href: "/policies", roles: ["admin"] },
  { label: "Tools", href: "/tools", roles: ["admin"] },
  { label: "MCP", href: "/mcp-upstreams", roles: ["admin"] },
  { label: "Agents", href: "/agents", roles: ["admin"] },
  { label: "Audit", href: "/audit", roles: ["viewer", "reviewer", "admin", "oncall"] },
  { label: "Break-glass", href: "/break-glass", roles: ["oncall"] },
  { label: "Settings", href: "/settings", roles: ["admin"] },
  { label: "API tokens", href: "/settings/tokens", roles: ["viewer", "reviewer", "admin", "oncall"] },
  { label: "Users", href: "/users", roles: ["admin"] },
  { label: "Account", href: "/account", roles: ["viewer", "reviewer", "admin", "oncall"] },
];

/** Roles for one page, looked up by its path (pages and nav share one list). */
export function pageRoles(href: string): readonly Role[] {
  const item = NAV_ITEMS.find((i) => i.href === href);
  if (!item) throw new Error(`no nav item for ${href}`);
  return item.roles;
}
