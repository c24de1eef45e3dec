"use client";

import { useActionState } from "react";
import { firstError, type FormState } from "@/lib/http/field-errors";
import { FormError, Input, Select } from "@/components/ui/field";
import { ActionOutcome } from "@/components/ui/action-outcome";
import { ALERT_ORIGINS, ALERT_RULE_KIND_INFO, ALERT_RULE_KINDS } from "@/lib/alerts/schema";
import { createChannelAction, createRuleAction, deleteChannelAction, deleteRuleAction, testChannelAction, toggleRuleAction } from "./actions";
import { Button } from "@/components/ui/button";

export function CreateChannelForm() {
  const [state, action, pending] = useActionState<FormState, FormData>(createChannelAction, null);
  return (
    <div className="space-y-2">
      <form action={action} className="grid max-w-5xl grid-cols-1 items-end gap-3 md:grid-cols-[1fr_1fr_3fr_1fr_auto]">
        <label className="space-y-1 text-sm">
          <span>Name</span>
          <Input name="name" required maxLength={80} placeholder="on-call" />
        </label>
        <label className="space-y-1 text-sm">
          <span>Kind</span>
          <Select name="kind" defaultValue="webhook">
            <option value="webhook">Webhook (JSON, signed)</option>
            <option value="slack">Slack incoming webhook</option>
          </Select>
        </label>
        <label className="space-y-1 text-sm">
          <span>URL</span>
          <Input name="url" required type="url" maxLength={2048} placeholder="https://hooks.example.com/switchyard" />
        </label>
        <label className="space-y-1 text-sm">
          <span>Signing secret (optional)</span>
          <Input name="secret" type="password" maxLength={200} autoComplete="off" />
        </label>
        <Button type="submit" disabled={pending} variant="primary">Add channel</Button>
      </form>
      <ActionOutcome state={state} />
    </div>
  );
}

export function ChannelButtons({ channelId, name, canDelete }: { channelId: string; name: string; canDelete: boolean }) {
  const [testState, testAction, testing] = useActionState<FormState, FormData>(testChannelAction, null);
  const [deleteState, deleteAction, deleting] = useActionState<FormState, FormData>(deleteChannelAction, null);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <form action={testAction}>
        <input type="hidden" name="channelId" value={channelId} />
        <Button type="submit" disabled={testing} variant="secondary" size="sm">{testing ? "Sending…" : "Send test"}</Button>
      </form>
      {canDelete ? (
        <form action={deleteAction} onSubmit={(event) => void (!confirm(`Delete the channel "${name}"?`) && event.preventDefault())}>
          <input type="hidden" name="channelId" value={channelId} />
          <Button type="submit" disabled={deleting} variant="secondary" size="sm">Delete</Button>
        </form>
      ) : null}
      <ActionOutcome state={testState ?? deleteState} />
    </div>
  );
}

export function CreateRuleForm({ pools, channels }: { pools: { id: string; name: string }[]; channels: { id: string; name: string }[] }) {
  const [state, action, pending] = useActionState<FormState, FormData>(createRuleAction, null);
  return (
    <div className="space-y-2">
      <form action={action} className="grid max-w-5xl grid-cols-2 items-end gap-3 md:grid-cols-4">
        <label className="space-y-1 text-sm">
          <span>Name</span>
          <Input name="name" required maxLength={80} placeholder="proxy 502s above 5 %" />
        </label>
        <label className="space-y-1 text-sm">
          <span>Pool</span>
          <Select name="poolId" required>
            {pools.map((pool) => <option key={pool.id} value={pool.id}>{pool.name}</option>)}
          </Select>
        </label>
        <label className="space-y-1 text-sm">
          <span>Condition</span>
          <Select name="kind" defaultValue="rate_502">
            {ALERT_RULE_KINDS.map((kind) => <option key={kind} value={kind}>{ALERT_RULE_KIND_INFO[kind].label}</option>)}
          </Select>
        </label>
        <label className="space-y-1 text-sm">
          <span>Origin (502/504 rates)</span>
          <Select name="origin" defaultValue="">
            <option value="">any origin</option>
            {ALERT_ORIGINS.map((origin) => <option key={origin} value={origin}>{origin}-caused</option>)}
          </Select>
        </label>
        <label className="space-y-1 text-sm">
          <span>Threshold</span>
          <Input name="threshold" required inputMode="decimal" placeholder="0.05" aria-describedby="threshold-help" />
        </label>
        <label className="space-y-1 text-sm">
          <span>Window (min)</span>
          <Input name="windowMinutes" type="number" min={1} max={1440} defaultValue={5} />
        </label>
        <label className="space-y-1 text-sm">
          <span>Min. results</span>
          <Input name="minSamples" type="number" min={1} defaultValue={20} />
        </label>
        <label className="space-y-1 text-sm">
          <span>Hold-down (min)</span>
          <Input name="holdDownMinutes" type="number" min={0} max={1440} defaultValue={10} />
        </label>
        <label className="space-y-1 text-sm">
          <span>Notify</span>
          <Select name="channelId" required>
            {channels.map((channel) => <option key={channel.id} value={channel.id}>{channel.name}</option>)}
          </Select>
        </label>
        <Button type="submit" disabled={pending || channels.length === 0 || pools.length === 0} variant="primary">Add rule</Button>
      </form>
      <p id="threshold-help" className="text-xs text-zinc-600 dark:text-zinc-400">
        Thresholds: {ALERT_RULE_KINDS.map((kind) => `${ALERT_RULE_KIND_INFO[kind].label} — ${ALERT_RULE_KIND_INFO[kind].threshold}`).join("; ")}.
      </p>
      <ActionOutcome state={state} />
    </div>
  );
}

export function RuleButtons({ ruleId, name, enabled }: { ruleId: string; name: string; enabled: boolean }) {
  const [toggleState, toggleAction, toggling] = useActionState<FormState, FormData>(toggleRuleAction, null);
  const [deleteState, deleteAction, deleting] = useActionState<FormState, FormData>(deleteRuleAction, null);
  return (
    <div className="flex items-center gap-2">
      <form action={toggleAction}>
        <input type="hidden" name="ruleId" value={ruleId} />
        <input type="hidden" name="enabled" value={String(!enabled)} />
        <Button type="submit" disabled={toggling} variant="secondary" size="sm">{enabled ? "Pause" : "Resume"}</Button>
      </form>
      <form action={deleteAction} onSubmit={(event) => void (!confirm(`Delete the rule "${name}" and its history?`) && event.preventDefault())}>
        <input type="hidden" name="ruleId" value={ruleId} />
        <Button type="submit" disabled={deleting} variant="secondary" size="sm">Delete</Button>
      </form>
      <FormError message={firstError(toggleState) ?? firstError(deleteState)} />
    </div>
  );
}
