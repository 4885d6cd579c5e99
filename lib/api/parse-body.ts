import type { z } from "zod";
import { AppError, zodIssues } from "@/lib/errors";
import { readJson } from "@/lib/http/read-json";
import { SCOPE_FIELDS } from "@/lib/api/schemas";

/**
 * Read and validate an agent API body. A body that tries to set its tenant or
 * environment is refused outright (400): those come from the credential only.
 */
export async function parseAgentBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  const body = await readJson(req);
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const named = SCOPE_FIELDS.filter((f) => Object.prototype.hasOwnProperty.call(body, f));
    if (named.length) {
      throw new AppError("forbidden_field", `The body may not set ${named.join(", ")}: tenant and environment come from the credential.`);
    }
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new AppError("validation_failed", "The request body is invalid.", { issues: zodIssues(parsed.error.issues) });
  return parsed.data;
}
