import type { ReactNode } from "react";
import { ANY_ROLE } from "@/lib/auth/roles";
import { requirePageRole } from "@/lib/auth/session";
import { ConsoleSidebar } from "@/components/console/ConsoleSidebar";
import { RoleChips } from "@/components/console/RoleChips";
import { SignOutButton } from "@/components/auth/SignOutButton";
import { GatehouseMark } from "@/components/ui/GatehouseMark";
import { BreakGlassBanner } from "@/components/break-glass/BreakGlassBanner";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requirePageRole(...ANY_ROLE);
  return (
    <div className="flex min-h-screen flex-col">
      <a
        href="#main"
        className="sr-only z-50 rounded bg-white px-3 py-2 text-sm font-medium text-slate-900 focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:ring-2 focus:ring-slate-900"
      >
        Skip to content
      </a>
      {/* Break-glass renders its red banner here, on every console page. */}
      <div id="break-glass-banner-slot">
        <BreakGlassBanner />
      </div>
      <div className="flex flex-1 flex-col md:flex-row">
        <ConsoleSidebar
          roles={user.roles}
          brand={<GatehouseMark inverted />}
          account={
            <>
              <span className="min-w-0 break-all">{user.email}</span>
              <SignOutButton />
            </>
          }
        />
        <div className="flex min-w-0 flex-1 flex-col">
          <header className="hidden min-h-12 flex-wrap items-center justify-end gap-x-3 gap-y-1 border-b border-slate-200 bg-white px-3 py-1.5 md:flex md:px-6">
            <span className="min-w-0 break-all text-sm text-slate-700" data-testid="user-email">
              {user.email}
            </span>
            <RoleChips roles={user.roles} />
            <SignOutButton />
          </header>
          <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-3 py-3 outline-none md:px-6 md:py-5">
            {children}
          </main>
        </div>
      </div>
    </div>
  );
}
