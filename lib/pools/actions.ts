"use server";

import { z } from "zod";
import { requireActor } from "@/lib/auth/actor";
import { guardedAction, invalid } from "@/lib/http/guarded-action";
import type { ActionResult } from "@/lib/http/field-errors";
import { createPool, deletePool, updatePool } from "./mutations";
import { poolChangeSchema, poolSchema } from "./schema";

// Thin server actions: check who is asking, validate with the shared schema, call one mutation.
// (Adding nodes to a pool from a node selection is a nodes-table action: lib/nodes/actions.ts.)

export async function createPoolAction(input: unknown): Promise<ActionResult<{ id: string }>> {
  return guardedAction("pools", async () => {
    const actor = await requireActor("operator");
    const parsed = poolSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    return createPool(actor, parsed.data);
  });
}

export async function updatePoolAction(input: { id: unknown; pool: unknown }): Promise<ActionResult> {
  return guardedAction("pools", async () => {
    const actor = await requireActor("operator");
    const id = z.uuid().safeParse(input.id);
    if (!id.success) return invalid(id.error);
    const parsed = poolChangeSchema.safeParse(input.pool);
    if (!parsed.success) return invalid(parsed.error);
    return updatePool(actor, id.data, parsed.data);
  });
}

export async function deletePoolAction(input: { id: unknown }): Promise<ActionResult<{ deleted: boolean }>> {
  return guardedAction("pools", async () => {
    const actor = await requireActor("operator");
    const id = z.uuid().safeParse(input.id);
    if (!id.success) return invalid(id.error);
    return { ok: true, ...(await deletePool(actor, id.data)) };
  });
}
