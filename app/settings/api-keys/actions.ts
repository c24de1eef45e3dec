"use server";

import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/actor";
import { UserInputError } from "@/lib/auth/validation";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import type { FormResult, FormState } from "@/lib/http/field-errors";
import { guardedAction } from "@/lib/http/guarded-action";

/** The new key in clear text: shown once, never again. */
export type CreateKeyResult = FormResult<{ key?: string }>;

function parseExpiry(value: FormDataEntryValue | null): Date | null {
  if (value === null || value === "") return null;
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new UserInputError("Not a valid expiry date.", "expiresAt");
  const date = new Date(`${value}T23:59:59.999Z`);
  if (Number.isNaN(date.getTime())) throw new UserInputError("Not a valid expiry date.", "expiresAt");
  return date;
}

export async function createApiKeyAction(_previous: CreateKeyResult | null, form: FormData): Promise<CreateKeyResult> {
  return guardedAction("createApiKey", async () => {
    const actor = await requireActor("admin");
    const poolId = form.get("poolId");
    const created = await createApiKey(actor, {
      name: form.get("name"),
      scope: form.get("scope"),
      poolId: poolId === "" || poolId === null ? null : poolId,
      expiresAt: parseExpiry(form.get("expiresAt")),
    });
    revalidatePath("/settings/api-keys");
    return { ok: true, key: created.key, message: `Created key "${created.apiKey.name}". Copy it now: it is not shown again.` };
  });
}

export async function revokeApiKeyAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("revokeApiKey", async () => {
    const actor = await requireActor("admin");
    await revokeApiKey(actor, form.get("apiKeyId"));
    revalidatePath("/settings/api-keys");
    return { ok: true };
  });
}
