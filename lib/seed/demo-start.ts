import "server-only";
import { seedDemoMcp } from "@/lib/seed/demo-mcp";
import { seedDemoPending } from "@/lib/seed/demo-pending";

/**
 * What `npm start` adds in demo mode after the demo seed: the demo MCP upstream (examples/mcp-upstream.ts,
 * stdio) behind /mcp/support/send, then the queue's cards. In that order: granting the upstream's tools makes
 * a new policy version of support/send, and cards proposed under the old one would all read "policy changed".
 * The upstream is optional (its failure is reported, not thrown); the cards are not.
 */
export async function seedDemoStart(): Promise<{ mcp: boolean | Error; pending: number }> {
  let mcp: boolean | Error;
  try {
    mcp = await seedDemoMcp();
  } catch (err) {
    mcp = err instanceof Error ? err : new Error(String(err));
  }
  return { mcp, pending: await seedDemoPending() };
}
