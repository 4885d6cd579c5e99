import type { ReactNode } from "react";
import { ANY_ROLE } from "@/lib/auth/roles";
import { requirePageRole } from "@/lib/auth/session";
import { ConsoleNav } from "@/components/console/ConsoleNav";
import { RoleChips } from "@/components/console/RoleChips";
import { SignOutButton } from "@/components/auth/SignOutButton";
import { GatehouseMark } from "@/components/ui/GatehouseMark";
import { BreakGlassBanner } from "@/components/break-glass/BreakGlassBanner";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requirePageRole(...ANY_ROLE);
  return (
    <div className="flex min-h-screen flex-col">
      {/* Break-glass renders its red banner here, on every console page. */}
      <div id="break-glass-banner-slot">
        <BreakGlassBanner />
      </div>
      <div className="flex flex-1">
        <aside className="w-52 shrink-0 bg-slate-900 px-3 py-4">
          <div className="mb-6 px-1 text-white">
            <GatehouseMark inverted />
          </div>
          <ConsoleNav roles={user.roles} />
        </aside>
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="flex h-12 items-center justify-end gap-3 border-b border-slate-200 bg-white px-6">
            <span className="text-sm text-slate-700" data-testid="user-email">
              {user.email}
            </span>
            <RoleChips roles={user.roles} />
            <SignOutButton />
          </header>
          <main className="flex-1 px-6 py-5">{children}</main>
        </div>
      </div>
    </div>
  );
}
