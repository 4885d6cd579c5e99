import "server-only";
import { toErrorBody } from "@/lib/errors";
import { requestIdFrom } from "@/lib/http/request-id";
import { observeRequest } from "@/lib/metrics/record";
import { routeLabel } from "@/lib/metrics/route-label";
import { NodeRequest, type HandlerRequest } from "@/lib/http/node-request";
import { NodeJsonResponse } from "@/lib/http/node-json-response";

export type HandlerContext<P = Record<string, string>> = {
  requestId: string;
  params: P;
  /** A JSON answer: a Response, or on the node:http router a NodeJsonResponse it writes as is. */
  json: (data: unknown, status?: number) => Response;
};

/**
 * A route handler as Next.js and the bare node:http router both call it:
 * `R` is the request it gets (HandlerRequest, which both pass, unless it only
 * ever runs under Next.js), `P` its path params.
 */
export type RouteHandler<P = Record<string, string>, R extends HandlerRequest = HandlerRequest> = (req: R, ctx: { params: Promise<P> }) => Promise<Response>;

/**
 * Wrap a route handler: a request id on every response, every thrown error
 * through the one mapper, the same in every NODE_ENV.
 */
export function handler<P = Record<string, string>, R extends HandlerRequest = HandlerRequest>(fn: (req: R, ctx: HandlerContext<P>) => Promise<Response>): RouteHandler<P, R> {
  return async (req, nextCtx) => {
    const requestId = requestIdFrom(req.headers);
    const started = performance.now();
    const answer = req instanceof NodeRequest ? nodeJson : json;
    let res: Response;
    let params = {} as P;
    try {
      params = (nextCtx?.params ? await nextCtx.params : {}) as P;
      res = await fn(req, { requestId, params, json: answer });
    } catch (err) {
      const { status, body } = toErrorBody(err, requestId);
      if (status >= 500) console.error(`[${requestId}]`, err);
      res = answer(body, status);
    }
    res.headers.set("X-Request-Id", requestId);
    if (!res.headers.has("Cache-Control")) res.headers.set("Cache-Control", "no-store");
    observeRequest(req.method, routeLabel(req.url, params as Record<string, string | string[]>), res.status, started);
    return res;
  };
}

/** The node:http router's JSON answer; it has the `status` and `headers` this wrapper touches. */
const nodeJson = (data: unknown, status = 200): Response => new NodeJsonResponse(data, status) as unknown as Response;

/** JSON response helper. */
export function json(data: unknown, status = 200, headers?: HeadersInit): Response {
  return Response.json(data, { status, headers });
}
