import type { Metadata } from "next";
import { DataTable } from "@/components/ui/data-table";
import { prisma } from "@/lib/db/prisma";
import { requirePageActor } from "@/lib/auth/page-actor";
import { roleAtLeast } from "@/lib/auth/roles";
import { listAlertChannels, listAlertIncidents, listAlertRules } from "@/lib/alerts/data";
import { ALERT_RULE_KIND_INFO, type AlertRuleKind } from "@/lib/alerts/schema";
import { Forbidden } from "../forbidden";
import { ChannelButtons, CreateChannelForm, CreateRuleForm, RuleButtons } from "./alert-forms";

export const metadata: Metadata = { title: "Alerts" };

const date = (value: string | null) => (value ? value.slice(0, 16).replace("T", " ") : "—");
const ruleValue = (kind: string, value: number | null) =>
  value === null ? "—" : kind === "rate_502" || kind === "rate_504" ? `${(value * 100).toFixed(1)} %` : kind === "spike" ? `×${value.toFixed(1)}` : String(value);

export default async function AlertsPage() {
  const actor = await requirePageActor("viewer", "/settings/alerts");
  if (!actor) return <Forbidden role="viewer" />;
  const canEditRules = roleAtLeast(actor.role, "operator");
  const isAdmin = roleAtLeast(actor.role, "admin");
  const [channels, rules, incidents, pools] = await Promise.all([
    listAlertChannels(),
    listAlertRules(),
    listAlertIncidents({ limit: 100 }),
    prisma.pool.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } }),
  ]);
  return (
    <div className="space-y-8">
      <div className="space-y-1">
        <h1 className="text-xl font-semibold">Alerts</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Rules per pool, evaluated by the worker every 30 s on the dashboard rollups. One notification when an incident opens and one
          when it resolves; it resolves only after the condition stayed clear for the hold-down, so a flapping pool does not page
          repeatedly. Webhooks carry <code>X-Switchyard-Signature: t=…,v1=HMAC-SHA256(secret, &quot;t.body&quot;)</code> and are retried with backoff.
        </p>
      </div>

      <section className="space-y-3">
        <h2 className="font-medium">Channels ({channels.length})</h2>
        {isAdmin ? <CreateChannelForm /> : <p className="text-sm text-zinc-600">Only an admin can add or delete channels.</p>}
        <DataTable label="Alert channels" columns={["Name", "Kind", "URL", "Signed", "Rules", ""]}>
          {channels.map((channel) => (
            <tr key={channel.id}>
              <td>{channel.name}</td>
              <td>{channel.kind}</td>
              <td className="max-w-md truncate font-mono text-xs">{channel.url}</td>
              <td>{channel.signed ? "yes" : "no"}</td>
              <td>{channel.rules}</td>
              <td>{canEditRules ? <ChannelButtons channelId={channel.id} name={channel.name} canDelete={isAdmin && channel.rules === 0} /> : null}</td>
            </tr>
          ))}
        </DataTable>
      </section>

      <section className="space-y-3">
        <h2 className="font-medium">Rules ({rules.length})</h2>
        {canEditRules ? <CreateRuleForm pools={pools} channels={channels} /> : null}
        <DataTable label="Alert rules" columns={["Name", "Pool", "Condition", "Threshold", "Window", "Last value", "State", "Channel", ""]}>
          {rules.map((rule) => (
            <tr key={rule.id}>
              <td>{rule.name}</td>
              <td>{rule.poolName}</td>
              <td>{ALERT_RULE_KIND_INFO[rule.kind as AlertRuleKind]?.label ?? rule.kind}{rule.origin ? ` (${rule.origin})` : ""}</td>
              <td>{ruleValue(rule.kind, rule.threshold)}</td>
              <td>{rule.windowMinutes} min</td>
              <td>{ruleValue(rule.kind, rule.lastValue)}</td>
              <td>{!rule.enabled ? "paused" : rule.firing ? <span className="font-medium text-red-700 dark:text-red-400">firing</span> : "ok"}</td>
              <td>{rule.channelName}</td>
              <td>{canEditRules ? <RuleButtons ruleId={rule.id} name={rule.name} enabled={rule.enabled} /> : null}</td>
            </tr>
          ))}
        </DataTable>
      </section>

      <section className="space-y-3">
        <h2 className="font-medium">History (latest {incidents.length})</h2>
        <DataTable label="Alert history" columns={["Opened", "Resolved", "Rule", "State", "Peak", "Summary", "Notifications"]}>
          {incidents.map((incident) => (
            <tr key={incident.id}>
              <td className="font-mono text-xs">{date(incident.openedAt)}</td>
              <td className="font-mono text-xs">{date(incident.resolvedAt)}</td>
              <td>{incident.ruleName}</td>
              <td>{incident.state}</td>
              <td>{incident.peakValue.toFixed(3)}</td>
              <td className="max-w-lg text-xs">{incident.summary}</td>
              <td className="text-xs">
                {incident.notifications.map((n) => `${n.event}: ${n.status}${n.attempts > 1 ? ` after ${n.attempts} attempts` : ""}${n.status !== "delivered" && n.lastError ? ` (${n.lastError})` : ""}`).join("; ")}
              </td>
            </tr>
          ))}
        </DataTable>
      </section>
    </div>
  );
}
