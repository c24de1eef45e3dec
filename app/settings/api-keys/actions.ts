"use server";

import { revalidatePath } from "next/cache";
import { runAction, type ActionState } from "@/lib/auth/action-state";
import { requireActor } from "@/lib/auth/actor";
import { UserInputError } from "@/lib/auth/validation";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";

export interface CreateKeyState extends ActionState {
  /** The new key in clear text: shown once, never again. */
  key?: string;
}

function parseExpiry(value: FormDataEntryValue | null): Date | null {
  if (value === null || value === "") return null;
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new UserInputError("Not a valid expiry date.", "expiresAt");
  const date = new Date(`${value}T23:59:59.999Z`);
  if (Number.isNaN(date.getTime())) throw new UserInputError("Not a valid expiry date.", "expiresAt");
  return date;
}

export async function createApiKeyAction(_previous: CreateKeyState, form: FormData): Promise<CreateKeyState> {
  let key: string | undefined;
  const state = await runAction(async () => {
    const actor = await requireActor("admin");
    const poolId = form.get("poolId");
    const created = await createApiKey(actor, {
      name: form.get("name"),
      scope: form.get("scope"),
      poolId: poolId === "" || poolId === null ? null : poolId,
      expiresAt: parseExpiry(form.get("expiresAt")),
    });
    key = created.key;
    return `Created key "${created.apiKey.name}". Copy it now: it is not shown again.`;
  });
  if (state.ok) revalidatePath("/settings/api-keys");
  return { ...state, key };
}

export async function revokeApiKeyAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  const state = await runAction(async () => {
    const actor = await requireActor("admin");
    await revokeApiKey(actor, form.get("apiKeyId"));
  });
  if (state.ok) revalidatePath("/settings/api-keys");
  return state;
}
