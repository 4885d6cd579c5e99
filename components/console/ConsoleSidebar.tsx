"use client";

import { useState, type ReactNode } from "react";
import { usePathname } from "next/navigation";
import { ConsoleNav } from "@/components/console/ConsoleNav";

/**
 * The console's navigation: a sidebar from `md` up; below that a top bar with
 * a Menu button that opens the same links and the account (who is signed in,
 * sign out), closed again on every navigation.
 */
export function ConsoleSidebar({ roles, brand, account }: { roles: string[]; brand: ReactNode; account: ReactNode }) {
  const pathname = usePathname();
  const [open, setOpen] = useState<string | null>(null);
  // Open only for the page it was opened on: navigating closes it without an effect.
  const isOpen = open === pathname;
  return (
    <aside className="bg-slate-900 px-3 py-2 md:w-52 md:shrink-0 md:py-4">
      <div className="flex items-center justify-between md:mb-6 md:block">
        <div className="px-1 text-white">{brand}</div>
        <button
          type="button"
          className="rounded px-2 py-1 text-sm font-medium text-white ring-1 ring-slate-600 md:hidden"
          aria-expanded={isOpen}
          aria-controls="console-nav"
          onClick={() => setOpen(isOpen ? null : pathname)}
        >
          {isOpen ? "Close menu" : "Menu"}
        </button>
      </div>
      <div id="console-nav" className={`${isOpen ? "block" : "hidden"} pb-2 pt-2 md:block md:p-0`}>
        <ConsoleNav roles={roles} />
        {/* Below md the account bar is hidden; its contents live in the menu. */}
        <div className="mt-2 flex flex-wrap items-center gap-2 border-t border-slate-700 pt-2 text-sm text-slate-200 md:hidden">{account}</div>
      </div>
    </aside>
  );
}
