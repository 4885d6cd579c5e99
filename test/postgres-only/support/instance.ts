// One Gatehouse instance in its own process, for the multi-instance test:
// the agent API served by the product's route handlers on a bare node:http
// server, plus this process's background work (expiry, the delivery worker,
// and the LISTEN/NOTIFY listener). Run with: tsx --import ./scripts/register-server-only.mjs test/postgres-only/support/instance.ts
// Prints "READY <url>" once it is listening and its listener is connected.
//
// A test-only route, POST /test/vote {actionId, userId}, lets the test cast a
// reviewer's vote on THIS instance through the product's voteOnAction (the
// console's approve route is not part of the bare agent server).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { defineRoute, nodeHandler, type RouteEntry } from "@/lib/http/node-adapter";
import { agentRoutes } from "@/lib/api/v1/routes";
import { handler, json } from "@/lib/http/handler";
import { readJson } from "@/lib/http/parse-body";
import { voteOnAction } from "@/lib/actions/vote-on-action";
import { startBackgroundWork } from "@/lib/background";
import { pgNotifyReady } from "@/lib/events/pg-notify";
import { env } from "@/lib/env";
import { closeDb } from "@/lib/db/client";

const voteBody = z.strictObject({ actionId: z.string(), userId: z.string() });

const testVote = handler(async (req) => {
  const b = voteBody.parse(await readJson(req));
  return json(await voteOnAction({ actionId: b.actionId, userId: b.userId, vote: "approve" }));
});

async function main(): Promise<void> {
  if (env().provider !== "postgres") throw new Error("instance.ts is for the PostgreSQL multi-instance test");
  const routes: RouteEntry[] = [...agentRoutes, defineRoute("POST", "/test/vote", testVote)];
  let url = "http://127.0.0.1";
  const server = http.createServer(nodeHandler(routes, () => url));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stop = startBackgroundWork();
  await pgNotifyReady();
  process.stdout.write(`READY ${url}\n`);
  const shutdown = () => {
    stop();
    server.closeAllConnections();
    server.close(() => void closeDb().finally(() => process.exit(0)));
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
