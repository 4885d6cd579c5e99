import "server-only";
import { db } from "@/lib/db/client";

/** Every route's name, for the routing form. */
export async function routeNames(): Promise<string[]> {
  return (await db().route.findMany({ select: { name: true }, orderBy: { name: "asc" } })).map((r) => r.name);
}
