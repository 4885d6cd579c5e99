"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";

/** Ends the session and returns to /signin. */
export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        await signOut({ redirect: false });
        // A full load on purpose: it drops every cached console query of the old session.
        // eslint-disable-next-line @next/next/no-location-assign-relative-destination
        window.location.assign("/signin");
      }}
      className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-xs font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-60"
    >
      Sign out
    </button>
  );
}
