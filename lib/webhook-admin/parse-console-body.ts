import type { z } from "zod";
import { AppError, zodIssues } from "@/lib/errors";
import { readJson } from "@/lib/http/read-json";

/** Read and validate a console API body (64 KB, strict JSON); 422 with field issues when it does not fit. */
export async function parseConsoleBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  const parsed = schema.safeParse(await readJson(req));
  if (!parsed.success) throw new AppError("validation_failed", "The request body is invalid.", { issues: zodIssues(parsed.error.issues) });
  return parsed.data;
}
