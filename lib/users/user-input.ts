import { z } from "zod";
import { ROLES } from "@/lib/auth/roles";

/** Shared by the API and the form. */
export const passwordField = z.string().min(10, "At least 10 characters.").max(200);
export const rolesField = z.array(z.enum(ROLES)).max(ROLES.length);

export const createUserInput = z.strictObject({
  email: z.string().trim().toLowerCase().email("Not an e-mail address.").max(254),
  name: z.string().trim().min(1).max(100),
  password: passwordField,
  roles: rolesField,
});
export type CreateUserInput = z.infer<typeof createUserInput>;

export const updateUserInput = z.strictObject({
  roles: rolesField.optional(),
  disabled: z.boolean().optional(),
  name: z.string().trim().min(1).max(100).optional(),
});
export type UpdateUserInput = z.infer<typeof updateUserInput>;

export const resetPasswordInput = z.strictObject({ password: passwordField });
