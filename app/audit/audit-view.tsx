"use client";

import { AuditEventList } from "@/components/audit-event-list";
import { useUrlParams } from "@/components/use-url-params";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/field";
import { useAuditQuery } from "@/lib/nodes/use-node-queries";

export function AuditView() {
  const { params, setParams } = useUrlParams();
  const audit = useAuditQuery(params);

  /** Any change but paging starts again at the newest events. */
  function setParam(key: string, value: string | undefined) {
    setParams({ [key]: value }, key === "before" ? [] : ["before"]);
  }

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Audit log</h1>
      <div className="grid gap-2 sm:flex sm:flex-wrap">
        <Select aria-label="Subject type" className="sm:w-40" value={params.subjectType ?? ""} onChange={(event) => setParam("subjectType", event.target.value || undefined)}>
          <option value="">All subjects</option>
          <option value="node">Nodes</option>
          <option value="pool">Pools</option>
          <option value="import">Imports</option>
          <option value="user">Users</option>
          <option value="api_key">API keys</option>
          <option value="probe_target">Targets</option>
          <option value="probe_run">Test-now runs</option>
        </Select>
        <Input aria-label="Action starts with" className="sm:w-56" placeholder="Action, e.g. node.rotation_failed" defaultValue={params.action} {...applyOnEnterOrBlur((value) => setParam("action", value))} />
        <Input aria-label="Actor contains" className="sm:w-56" placeholder="Actor" defaultValue={params.actor} {...applyOnEnterOrBlur((value) => setParam("actor", value))} />
      </div>
      <div className="rounded-lg border border-zinc-200 bg-white px-4 dark:border-zinc-800 dark:bg-zinc-900">
        {audit.data ? <AuditEventList events={audit.data.events} /> : <p className="py-3 text-sm text-zinc-500">Loading…</p>}
      </div>
      <div className="flex gap-2">
        {params.before && <Button onClick={() => setParam("before", undefined)}>Newest</Button>}
        {audit.data?.nextBefore && <Button onClick={() => setParam("before", audit.data.nextBefore ?? undefined)}>Older</Button>}
      </div>
    </div>
  );
}

/** A text filter applies when the operator presses Enter or leaves the field. */
function applyOnEnterOrBlur(apply: (value: string | undefined) => void) {
  return {
    onKeyDown: (event: React.KeyboardEvent<HTMLInputElement>) => {
      if (event.key === "Enter") apply(event.currentTarget.value.trim() || undefined);
    },
    onBlur: (event: React.FocusEvent<HTMLInputElement>) => apply(event.currentTarget.value.trim() || undefined),
  };
}
