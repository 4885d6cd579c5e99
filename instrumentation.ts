// Next.js calls register() once per server process; background work runs on the Node.js runtime only.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startBackgroundWork } = await import("@/lib/background");
    startBackgroundWork();
  }
}
