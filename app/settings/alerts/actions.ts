"use server";

import { revalidatePath } from "next/cache";
import { runAction, type ActionState } from "@/lib/auth/action-state";
import { requireActor } from "@/lib/auth/actor";
import { UserInputError } from "@/lib/auth/validation";
import { createAlertChannel, createAlertRule, deleteAlertChannel, deleteAlertRule, sendTestNotification, setAlertRuleEnabled } from "@/lib/alerts/mutations";

const PATH = "/settings/alerts";
const text = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === "string" ? value : undefined;
};

export async function createChannelAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  const state = await runAction(async () => {
    const actor = await requireActor("admin");
    const channel = await createAlertChannel(actor, { name: text(form, "name"), kind: text(form, "kind"), url: text(form, "url"), secret: text(form, "secret") ?? "" });
    return `Channel "${channel.name}" created. Use "Send test" to check that it receives.`;
  });
  if (state.ok) revalidatePath(PATH);
  return state;
}

export async function deleteChannelAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  const state = await runAction(async () => deleteAlertChannel(await requireActor("admin"), form.get("channelId")));
  if (state.ok) revalidatePath(PATH);
  return state;
}

export async function testChannelAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  const state = await runAction(async () => {
    const outcome = await sendTestNotification(await requireActor("operator"), form.get("channelId"));
    if (!outcome.ok) throw new UserInputError(`The receiver did not accept it: ${outcome.error}`);
    return `Delivered (HTTP ${outcome.status}).`;
  });
  revalidatePath(PATH);
  return state;
}

export async function createRuleAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  const state = await runAction(async () => {
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
    return `Rule "${rule.name}" created; the worker evaluates it every 30 s.`;
  });
  if (state.ok) revalidatePath(PATH);
  return state;
}

export async function toggleRuleAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  const state = await runAction(async () => setAlertRuleEnabled(await requireActor("operator"), form.get("ruleId"), form.get("enabled") === "true"));
  if (state.ok) revalidatePath(PATH);
  return state;
}

export async function deleteRuleAction(_previous: ActionState, form: FormData): Promise<ActionState> {
  const state = await runAction(async () => void (await deleteAlertRule(await requireActor("operator"), form.get("ruleId"))));
  if (state.ok) revalidatePath(PATH);
  return state;
}
