import { toErrorBody } from "@/lib/errors";
import { requestIdFrom } from "@/lib/http/request-id";
import { observeRequest } from "@/lib/metrics/record";

export type HandlerContext<P = Record<string, string>> = { requestId: string; params: P };

type NextCtx<P> = { params: Promise<P> };

/**
 * Wrap a route handler: a request id on every response, every thrown error
 * through the one mapper, the same in every NODE_ENV.
 */
export function handler<P = Record<string, string>>(
  fn: (req: Request, ctx: HandlerContext<P>) => Promise<Response>,
): (req: Request, ctx: NextCtx<P>) => Promise<Response> {
  return async (req, nextCtx) => {
    const requestId = requestIdFrom(req.headers);
    const started = performance.now();
    let res: Response;
    try {
      const params = (nextCtx?.params ? await nextCtx.params : {}) as P;
      res = await fn(req, { requestId, params });
    } catch (err) {
      const { status, body } = toErrorBody(err, requestId);
      if (status >= 500) console.error(`[${requestId}]`, err);
      res = Response.json(body, { status });
    }
    res.headers.set("X-Request-Id", requestId);
    if (!res.headers.has("Cache-Control")) res.headers.set("Cache-Control", "no-store");
    observeRequest(req.method, res.status, started);
    return res;
  };
}

/** JSON response helper. */
export function json(data: unknown, status = 200, headers?: HeadersInit): Response {
  return Response.json(data, { status, headers });
}
