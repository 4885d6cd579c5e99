"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { NAV_ITEMS } from "@/components/console/nav-items";
import { QueueCountBadge } from "@/components/queue/QueueCountBadge";

/**
 * The left nav. Every link is shown to every user (the page itself answers
 * 403); links the user cannot open are dimmed as a hint, not as security.
 */
export function ConsoleNav({ roles }: { roles: string[] }) {
  const pathname = usePathname();
  const link = (href: string, label: string, allowed: boolean) => {
    const active = href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
    return (
      <li key={href} className="relative">
        <Link
          href={href}
          aria-current={active ? "page" : undefined}
          className={`block rounded px-2.5 py-1.5 text-sm ${
            active ? "bg-slate-800 font-medium text-white" : allowed ? "text-slate-300 hover:bg-slate-800/60 hover:text-white" : "text-slate-400 hover:bg-slate-800/60"
          }`}
        >
          {label}
        </Link>
        {/* Outside the link so its accessible name stays "Queue". */}
        {href === "/queue" ? <QueueCountBadge /> : null}
      </li>
    );
  };
  return (
    <nav aria-label="Console">
      <ul className="space-y-0.5">
        {link("/", "Dashboard", true)}
        {NAV_ITEMS.map((i) =>
          link(
            i.href,
            i.label,
            i.roles.some((r) => roles.includes(r)),
          ),
        )}
      </ul>
    </nav>
  );
}
