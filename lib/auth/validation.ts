import { z } from "zod";
import { ROLES } from "@/lib/auth/roles";

/** Thrown for input a person can correct; the message is safe to show. */
export class UserInputError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

// Control characters (C0, DEL, C1) plus Unicode line/paragraph separators and bidi overrides.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export const emailSchema = z
  .string({ error: "Enter an e-mail address." })
  .max(254, "The e-mail address is too long (254 characters at most).")
  .transform((value) => value.trim().toLowerCase())
  .refine((value) => value.length > 0, "Enter an e-mail address.")
  // Printable ASCII only: no look-alike Unicode addresses in the audit log.
  .refine((value) => /^[\x21-\x7e]+$/.test(value), "The e-mail address may only contain printable ASCII characters, no spaces.")
  .refine((value) => /^[^@]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(value), "That is not a valid e-mail address.");

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

export const passwordSchema = z
  .string({ error: "Enter a password." })
  .min(PASSWORD_MIN, `The password needs at least ${PASSWORD_MIN} characters.`)
  .max(PASSWORD_MAX, `The password may have at most ${PASSWORD_MAX} characters.`)
  .refine((value) => !CONTROL.test(value), "The password may not contain control characters.");

export const roleSchema = z.enum(ROLES, { error: "Choose viewer, operator or admin." });

/** A short human label (API key names): trimmed, 1-80 characters, no control characters. */
export const labelSchema = z
  .string({ error: "Enter a name." })
  .max(200, "The name is too long (80 characters at most).")
  .transform((value) => value.trim())
  .refine((value) => value.length > 0, "Enter a name.")
  .refine((value) => value.length <= 80, "The name is too long (80 characters at most).")
  .refine((value) => !CONTROL.test(value), "The name may not contain control characters.");

export const uuidSchema = z.uuid({ error: "Not a valid id." });

/** Parses with schema or throws UserInputError carrying the first problem, naming its field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new UserInputError(issue?.message ?? "Invalid input.", issue?.path.map(String).join(".") || undefined);
}
