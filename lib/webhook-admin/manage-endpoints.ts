import "server-only";
import crypto from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError, zodIssues } from "@/lib/errors";
import { appendAudit, userActor } from "@/lib/audit/append";
import { seal } from "@/lib/crypto/seal";
import { checkCallbackUrl } from "@/lib/webhooks/callback-url";
import { ALL_EVENTS, WEBHOOK_EVENT_TYPES } from "@/lib/webhooks/events";
import { endpointEvents } from "@/lib/webhooks/enqueue";

/** Shared by the API and the form. */
export const endpointInput = z.strictObject({
  url: z.string().min(1).max(2048),
  events: z.array(z.enum([ALL_EVENTS, ...WEBHOOK_EVENT_TYPES])).min(1, "Pick at least one event."),
  allowPrivate: z.boolean().default(false),
});
export const endpointPatch = z.strictObject({
  events: endpointInput.shape.events.optional(),
  enabled: z.boolean().optional(),
});

export type EndpointRow = { id: string; url: string; events: string[]; enabled: boolean; allowPrivate: boolean; createdAt: string };

type Ctx = { actorId: string; requestId?: string | null };

function checkUrl(url: string, allowPrivate: boolean): void {
  // allowPrivate is the admin's explicit allowlisting of an inside target.
  const r = checkCallbackUrl(url, allowPrivate ? [new URL(url).hostname] : []);
  if (!r.ok) throw new AppError("validation_failed", "The webhook URL is not allowed.", { issues: [{ path: "url", message: `The URL ${r.message}.` }] });
}

/** Webhook endpoints for the console (never their secrets). */
export async function listEndpoints(): Promise<EndpointRow[]> {
  const rows = await db().webhookEndpoint.findMany({ orderBy: { createdAt: "asc" } });
  return rows.map((e) => ({ id: e.id, url: e.url, events: endpointEvents(e.events), enabled: e.enabled, allowPrivate: e.allowPrivate, createdAt: e.createdAt.toISOString() }));
}

/** Create an endpoint. Its signing secret is returned once and stored sealed to the endpoint id. */
export async function createEndpoint(input: unknown, ctx: Ctx): Promise<{ id: string; secret: string }> {
  const parsed = endpointInput.safeParse(input);
  if (!parsed.success) throw new AppError("validation_failed", "The webhook endpoint is not valid.", { issues: zodIssues(parsed.error.issues) });
  const e = parsed.data;
  try {
    checkUrl(e.url, e.allowPrivate);
  } catch (err) {
    if (err instanceof TypeError) throw new AppError("validation_failed", "Not a URL.", { issues: [{ path: "url", message: "Not an absolute URL." }] });
    throw err;
  }
  const secret = `whsec_${crypto.randomBytes(32).toString("base64")}`;
  const id = await db().$transaction(async (tx) => {
    const ep = await tx.webhookEndpoint.create({
      data: { url: e.url, events: JSON.stringify(e.events), secretSealed: "pending", allowPrivate: e.allowPrivate, createdById: ctx.actorId },
    });
    // The seal's context names the row (lib/webhooks/deliver.ts unseals with it), so the id must exist first.
    await tx.webhookEndpoint.update({ where: { id: ep.id }, data: { secretSealed: seal(secret, `webhook-secret:${ep.id}`) } });
    await appendAudit(tx, {
      type: "webhook.endpoint_created",
      ...userActor(ctx),

      data: { endpoint_id: ep.id, url: e.url, events: e.events, allow_private: e.allowPrivate },
    });
    return ep.id;
  });
  return { id, secret };
}

/** Change an endpoint's events or enable/disable it. */
export async function updateEndpoint(id: string, input: unknown, ctx: Ctx): Promise<void> {
  const parsed = endpointPatch.safeParse(input);
  if (!parsed.success) throw new AppError("validation_failed", "The change is not valid.", { issues: zodIssues(parsed.error.issues) });
  const p = parsed.data;
  await db().$transaction(async (tx) => {
    const ep = await tx.webhookEndpoint.findUnique({ where: { id } });
    if (!ep) throw new AppError("not_found", "Webhook endpoint not found.");
    await tx.webhookEndpoint.update({
      where: { id },
      data: { ...(p.events ? { events: JSON.stringify(p.events) } : {}), ...(p.enabled !== undefined ? { enabled: p.enabled } : {}) },
    });
    await appendAudit(tx, { type: "webhook.endpoint_updated", ...userActor(ctx), data: { endpoint_id: id, ...p } });
  });
}

/** Remove an endpoint; its queued deliveries are refused by the worker (endpoint gone). */
export async function deleteEndpoint(id: string, ctx: Ctx): Promise<void> {
  await db().$transaction(async (tx) => {
    const ep = await tx.webhookEndpoint.findUnique({ where: { id } });
    if (!ep) throw new AppError("not_found", "Webhook endpoint not found.");
    await tx.webhookEndpoint.delete({ where: { id } });
    await appendAudit(tx, { type: "webhook.endpoint_deleted", ...userActor(ctx), data: { endpoint_id: id, url: ep.url } });
  });
}
