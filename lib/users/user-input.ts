import { z } from "zod";
import { ROLES } from "@/lib/auth/roles";
import { parseRoleScopesStrict, parseScope } from "@/lib/auth/scopes";

/** Shared by the API and the form. */
export const passwordField = z.string().min(10, "At least 10 characters.").max(200);
export const rolesField = z.array(z.enum(ROLES)).max(ROLES.length);
/** `["*"]` for every tenant and environment, or `tenant/env` pairs (either part `*`). */
export const scopesField = z
  .array(
    z
      .string()
      .trim()
      .refine((s) => s === "*" || parseScope(s) !== null, "A scope is * or tenant/env (either part may be *)."),
  )
  .min(1, "Give at least one scope (* for every tenant).")
  .max(200);

/** Per-role overrides, `reviewer=acme/prod;admin=*` ("" clears them: every role uses `scopes`). */
export const roleScopesField = z
  .string()
  .trim()
  .max(4000)
  .refine((s) => parseRoleScopesStrict(s, ROLES) !== null, "Per-role scopes are role=scope,scope;role=… with known roles, each once.");

export const createUserInput = z.strictObject({
  email: z.string().trim().toLowerCase().email("Not an e-mail address.").max(254),
  name: z.string().trim().min(1).max(100),
  password: passwordField,
  roles: rolesField,
  scopes: scopesField.optional(),
});
export type CreateUserInput = z.infer<typeof createUserInput>;

export const updateUserInput = z.strictObject({
  roles: rolesField.optional(),
  scopes: scopesField.optional(),
  role_scopes: roleScopesField.optional(),
  disabled: z.boolean().optional(),
  name: z.string().trim().min(1).max(100).optional(),
});
export type UpdateUserInput = z.infer<typeof updateUserInput>;

export const resetPasswordInput = z.strictObject({ password: passwordField });
