import "server-only";
import { isDbRejectedText, isDbUnavailable } from "@/lib/db/errors";

/**
 * One error type for the whole product. Status codes come from the code,
 * never from matching messages.
 */
export const errorStatus = {
  bad_request: 400,
  bad_json: 400,
  forbidden_field: 400,
  unauthenticated: 401,
  forbidden: 403,
  denied: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  validation_failed: 422,
  idempotency_mismatch: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export type FieldIssue = { path: string; message: string };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues?: FieldIssue[];
  /** A machine-readable reason (e.g. a decision reason code), safe to show the caller. */
  readonly reason?: string;
  readonly extra?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, opts: { issues?: FieldIssue[]; reason?: string; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.status = errorStatus[code];
    this.issues = opts.issues;
    this.reason = opts.reason;
    this.extra = opts.extra;
  }
}

export type ErrorBody = {
  error: {
    code: ErrorCode;
    message: string;
    request_id: string;
    reason?: string;
    issues?: FieldIssue[];
  } & Record<string, unknown>;
};

/** Map anything thrown to a status and a body; unknown errors never leak internals. */
export function toErrorBody(err: unknown, requestId: string): { status: number; body: ErrorBody } {
  if (err instanceof AppError) {
    return {
      status: err.status,
      body: {
        error: {
          ...err.extra,
          code: err.code,
          message: err.message,
          request_id: requestId,
          ...(err.reason ? { reason: err.reason } : {}),
          ...(err.issues ? { issues: err.issues } : {}),
        },
      },
    };
  }
  if (isDbRejectedText(err)) {
    // A NUL byte (or a character outside UTF-8) in an id, name or value: PostgreSQL cannot hold it; nothing was written.
    return {
      status: 400,
      body: { error: { code: "bad_request", message: "The request contains a character that cannot be stored (a NUL byte); nothing was done.", request_id: requestId } },
    };
  }
  if (isDbUnavailable(err)) {
    // Locked, read-only or unreachable store: the transaction rolled back, so fail closed with a retryable 503.
    return {
      status: 503,
      body: { error: { code: "unavailable", message: "The service cannot record decisions right now; nothing was done. Retry shortly.", request_id: requestId } },
    };
  }
  return {
    status: 500,
    body: { error: { code: "internal", message: "Internal error; quote the request id when reporting it.", request_id: requestId } },
  };
}

/** zod issues → field issues with dotted paths. */
export function zodIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): FieldIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join(".") || "(root)", message: i.message }));
}

/**
 * What a transaction returns when it refuses. A refusal is returned, not thrown,
 * so that its audit record commits; {@link settle} throws it after the commit.
 */
export type Outcome<T> = { ok: true; value: T } | Refusal;

export type Refusal = { ok: false; error: AppError };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });

export const refusal = (error: AppError): Refusal => ({ ok: false, error });

/** The outcome's value, or its refusal thrown. */
export function settle<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}
