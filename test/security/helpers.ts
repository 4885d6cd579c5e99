import { encode } from "next-auth/jwt";
import { expect } from "vitest";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { sessionCookieName } from "@/lib/auth/session-cookie";
import { DEMO_AGENTS, type DemoAgent } from "@/lib/seed/demo-data";

/** A demo agent by tenant, env and one route it holds. */
export function demoAgent(tenant: string, env: string, route: string): DemoAgent {
  const a = DEMO_AGENTS.find((x) => x.tenant === tenant && x.env === env && x.routes.includes(route));
  if (!a) throw new Error(`no demo agent for ${tenant}/${env} ${route}`);
  return a;
}

export type CallResult = { status: number; body: Record<string, any>; headers: Headers; text: string };

/** One HTTP call against a real server; `raw` sends a body byte-for-byte. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
  opts: { raw?: string; headers?: Record<string, string> } = {},
): Promise<CallResult> {
  const hasBody = body !== undefined || opts.raw !== undefined;
  const res = await fetch(baseUrl + path, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(hasBody ? { "content-type": "application/json" } : {}),
      ...opts.headers,
    },
    body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  let parsed: Record<string, any> = {};
  try {
    parsed = JSON.parse(text) as Record<string, any>;
  } catch {
    parsed = {};
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

/** Row counts of every table a decision can change; audit rows separately. */
export async function stateCounts(): Promise<{ action: number; run: number; issuedToken: number; approval: number; audit: number }> {
  const [action, run, issuedToken, approval, audit] = await Promise.all([
    db().action.count(),
    db().run.count(),
    db().issuedToken.count(),
    db().approval.count(),
    db().auditEvent.count(),
  ]);
  return { action, run, issuedToken, approval, audit };
}

/** A request carrying a real next-auth session cookie for the user, as the browser would send it. */
export async function sessionRequest(userId: string | null, url: string, init: RequestInit = {}): Promise<Request> {
  const headers = new Headers(init.headers);
  if (userId) {
    const token = await encode({ token: { sub: userId }, secret: env().sessionSecret, maxAge: 3600 });
    headers.set("cookie", `${sessionCookieName()}=${token}`);
  }
  return new Request(url, { ...init, headers });
}

/** The value a rejected promise rejected with, asserted to be an AppError. */
export async function appError(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

/** Route params as Next.js passes them. */
export const params = <P extends Record<string, string>>(p: P) => ({ params: Promise.resolve(p) });
