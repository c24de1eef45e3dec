"use server";

import { revalidatePath } from "next/cache";
import { requireActor } from "@/lib/auth/actor";
import { UserInputError } from "@/lib/auth/validation";
import { createAlertChannel, createAlertRule, deleteAlertChannel, deleteAlertRule, sendTestNotification, setAlertRuleEnabled } from "@/lib/alerts/mutations";
import type { FormResult, FormState } from "@/lib/http/field-errors";
import { guardedAction } from "@/lib/http/guarded-action";

const PATH = "/settings/alerts";
const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === "string" ? value : undefined;
};

export async function createChannelAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("createChannel", async () => {
    const actor = await requireActor("admin");
    const channel = await createAlertChannel(actor, { name: text(form, "name"), kind: text(form, "kind"), url: text(form, "url"), secret: text(form, "secret") ?? "" });
    revalidatePath(PATH);
    return { ok: true, message: `Channel "${channel.name}" created. Use "Send test" to check that it receives.` };
  });
}

export async function deleteChannelAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("deleteChannel", async () => {
    await deleteAlertChannel(await requireActor("admin"), form.get("channelId"));
    revalidatePath(PATH);
    return { ok: true };
  });
}

export async function testChannelAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("testChannel", async () => {
    const outcome = await sendTestNotification(await requireActor("operator"), form.get("channelId"));
    // The attempt is in the channel's history either way.
    revalidatePath(PATH);
    if (!outcome.ok) throw new UserInputError(`The receiver did not accept it: ${outcome.error}`);
    return { ok: true, message: `Delivered (HTTP ${outcome.status}).` };
  });
}

export async function createRuleAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("createRule", async () => {
    const actor = await requireActor("operator");
    const origin = text(form, "origin");
    const rule = await createAlertRule(actor, {
      name: text(form, "name"),
      poolId: text(form, "poolId"),
      kind: text(form, "kind"),
      origin: origin ? origin : null,
      threshold: text(form, "threshold"),
      windowMinutes: text(form, "windowMinutes"),
      minSamples: text(form, "minSamples"),
      holdDownMinutes: text(form, "holdDownMinutes"),
      channelId: text(form, "channelId"),
    });
    revalidatePath(PATH);
    return { ok: true, message: `Rule "${rule.name}" created; the worker evaluates it every 30 s.` };
  });
}

export async function toggleRuleAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("toggleRule", async () => {
    await setAlertRuleEnabled(await requireActor("operator"), form.get("ruleId"), form.get("enabled") === "true");
    revalidatePath(PATH);
    return { ok: true };
  });
}

export async function deleteRuleAction(_previous: FormState, form: FormData): Promise<FormResult> {
  return guardedAction("deleteRule", async () => {
    await deleteAlertRule(await requireActor("operator"), form.get("ruleId"));
    revalidatePath(PATH);
    return { ok: true };
  });
}
