"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { AuditEventList } from "@/components/audit-event-list";
import { NodeStateBadge } from "@/components/node-state-badge";
import { StateChangeDialog } from "@/components/state-change-dialog";
import { Button } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { Dialog } from "@/components/ui/dialog";
import { changeNodeStateAction, deleteNodesAction, revealNodePasswordAction } from "@/lib/nodes/actions";
import { maskedProxyUrl } from "@/lib/nodes/credential-mask";
import { nodeQueryKeys } from "@/lib/nodes/query-keys";
import { useAuditQuery, useNodeQuery } from "@/lib/nodes/use-node-queries";
import { useCurrentUser } from "@/lib/auth/use-current-user";
import { NodeForm } from "../node-form";
import { TestNowDialog } from "../test-now-dialog";
import { DiagnoseDialog } from "./diagnose-dialog";
import { TargetExclusions } from "./target-exclusions";
import { FaultClassBadge } from "@/components/fault-class-badge";
import { useNodeResultsQuery } from "@/lib/probe/use-probe-queries";
import { NodeHealthPanel } from "@/app/dashboard/node-health-panel";
import type { NodeDetail } from "@/lib/nodes/data";

export function NodeDetailView({ id }: { id: string }) {
  const node = useNodeQuery(id);
  const audit = useAuditQuery({ nodeId: id, limit: "100" });
  const queryClient = useQueryClient();
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [stateTarget, setStateTarget] = useState<"ENABLED" | "DRAINING" | "DISABLED" | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [testing, setTesting] = useState(false);
  const [diagnosing, setDiagnosing] = useState(false);
  const results = useNodeResultsQuery(id);
  const [revealed, setRevealed] = useState<string | null>(null);
  const reveal = useMutation({
    mutationFn: revealNodePasswordAction,
    onSuccess: async (result) => {
      if (!result.ok) return;
      setRevealed(result.password);
      // Shown briefly: a password left on screen is a password leaked to the next shoulder.
      setTimeout(() => setRevealed(null), 30_000);
      await queryClient.invalidateQueries({ queryKey: ["audit"] });
    },
  });
  const currentUser = useCurrentUser();
  const canOperate = currentUser.can("operator");
  const canReveal = currentUser.can("admin");

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.all });
    await queryClient.invalidateQueries({ queryKey: ["audit"] });
  };
  // Optimistic: the badge shows the new state at once; a refusal or error puts the old one back.
  const applyState = useMutation({
    mutationFn: changeNodeStateAction,
    onMutate: async (input) => {
      await queryClient.cancelQueries({ queryKey: nodeQueryKeys.detail(id) });
      const previous = queryClient.getQueryData<NodeDetail>(nodeQueryKeys.detail(id));
      if (previous) queryClient.setQueryData<NodeDetail>(nodeQueryKeys.detail(id), { ...previous, state: input.state as NodeDetail["state"] });
      return { previous };
    },
    onError: (_error, _input, context) => queryClient.setQueryData(nodeQueryKeys.detail(id), context?.previous),
    onSuccess: async (result, _input, context) => {
      if (!result.ok) {
        queryClient.setQueryData(nodeQueryKeys.detail(id), context?.previous);
        return;
      }
      setStateTarget(null);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: deleteNodesAction,
    onSuccess: async (result) => {
      if (!result.ok) return;
      await refresh();
      router.push("/nodes");
    },
  });

  if (node.isError) return <p role="alert">Could not load this node: {node.error.message}</p>;
  if (!node.data) return <p className="text-zinc-500">Loading…</p>;
  const n = node.data;

  return (
    <div className="space-y-6">
      <div>
        <Link href="/nodes" className="text-sm text-blue-700 hover:underline dark:text-blue-400">
          ← Nodes
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <h1 className="text-xl font-semibold break-all">
            {n.label ? (
              <>
                {n.label} <span className="font-mono text-base font-normal text-zinc-500">{maskedProxyUrl({ ...n, username: n.username })}</span>
              </>
            ) : (
              <span className="font-mono">{maskedProxyUrl({ ...n, username: n.username })}</span>
            )}
          </h1>
          <NodeStateBadge state={n.state} />
          <div className={canOperate ? "flex flex-wrap gap-2 sm:ml-auto" : "hidden"}>
            <Button variant="primary" onClick={() => setTesting(true)}>
              Test now
            </Button>
            <Button onClick={() => setDiagnosing(true)}>Diagnose</Button>
            {n.state !== "ENABLED" && <Button onClick={() => setStateTarget("ENABLED")}>Enable</Button>}
            {n.state !== "DRAINING" && <Button onClick={() => setStateTarget("DRAINING")}>Drain</Button>}
            {n.state !== "DISABLED" && <Button onClick={() => setStateTarget("DISABLED")}>Disable</Button>}
            <Button onClick={() => setEditing(true)}>Edit</Button>
            <Button variant="danger" onClick={() => setConfirmDelete(true)}>
              Delete
            </Button>
          </div>
        </div>
        {n.stateReason && (
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400" data-testid="state-reason">
            {n.state.toLowerCase()} by {n.stateChangedBy} {n.stateChangedAt && `on ${new Date(n.stateChangedAt).toLocaleString()}`}: “{n.stateReason}”
          </p>
        )}
      </div>

      <dl className="grid grid-cols-2 gap-x-6 gap-y-2 rounded-lg border border-zinc-200 bg-white p-4 text-sm md:grid-cols-4 dark:border-zinc-800 dark:bg-zinc-900">
        <Item label="Label">{n.label || "—"}</Item>
        <Item label="Credentials">
          {n.usernameMasked ? `${n.usernameMasked}${n.hasPassword ? " / password stored (encrypted)" : ""}` : "none"}
          {n.hasPassword && canReveal && (
            <span className="ml-2">
              {revealed ? (
                <code data-testid="revealed-password" className="rounded bg-amber-100 px-1 dark:bg-amber-950">
                  {revealed}
                </code>
              ) : (
                <button type="button" className="text-xs text-blue-700 underline dark:text-blue-400" onClick={() => reveal.mutate({ id: n.id })}>
                  reveal (audited)
                </button>
              )}
            </span>
          )}
        </Item>
        <Item label="Pools">{n.pools.map((pool) => pool.name).join(", ") || "—"}</Item>
        <Item label="Tags">{n.tags.join(", ") || "—"}</Item>
        <Item label="Added">{new Date(n.createdAt).toLocaleString()}</Item>
        <Item label="Last change">{new Date(n.updatedAt).toLocaleString()}</Item>
      </dl>

      <NodeHealthPanel nodeId={n.id} />

      <TargetExclusions nodeId={n.id} canOperate={canOperate} />

      <section>
        <h2 className="mb-2 font-semibold">Recent results</h2>
        <DataTable
          label="Recent results"
          columns={["When", "Target", "Fault class", "Why", { label: "Status", align: "right" }, { label: "Connect / TLS / 1st byte / total ms", align: "right" }, "Exit IP"]}
          isEmpty={results.data?.length === 0}
          emptyText="No results yet: test the node now, or schedule probing for one of its pools."
        >
          {results.data?.map((r) => (
            <tr key={r.id} data-fault-class={r.faultClass}>
              <td className="whitespace-nowrap text-zinc-500">{new Date(r.startedAt).toLocaleTimeString()}</td>
              <td className="max-w-56 truncate font-mono text-xs" title={r.targetUrl}>
                {r.targetUrl}
              </td>
              <td>
                <FaultClassBadge faultClass={r.faultClass} bucket={r.bucket} title={r.faultLabel} />
                {r.faultClass !== "ok" && (
                  <div className="mt-0.5 text-xs whitespace-nowrap text-zinc-500" data-testid="attribution">
                    answered by {r.responder} ({r.responderEvidence}) · blame: {r.faultOrigin} ({r.originEvidence})
                  </div>
                )}
              </td>
              <td className="text-zinc-600 dark:text-zinc-400">{r.reason}</td>
              <td className="text-right tabular-nums">{r.status ?? "—"}</td>
              <td className="text-right whitespace-nowrap tabular-nums">{[r.connectMs, r.tlsMs, r.firstByteMs, r.totalMs].map((ms) => (ms === null ? "—" : Math.round(ms))).join(" / ")}</td>
              <td className="font-mono text-xs">{r.exitIp ?? "—"}</td>
            </tr>
          ))}
        </DataTable>
      </section>

      <section>
        <h2 className="mb-2 font-semibold">Audit timeline</h2>
        <div className="rounded-lg border border-zinc-200 bg-white px-4 dark:border-zinc-800 dark:bg-zinc-900">
          {audit.data ? <AuditEventList events={audit.data.events} showSubject={false} /> : <p className="py-3 text-sm text-zinc-500">Loading…</p>}
        </div>
      </section>

      {testing && <TestNowDialog target={{ nodeIds: [n.id] }} count={1} onClose={() => setTesting(false)} />}
      {diagnosing && <DiagnoseDialog nodeId={n.id} onClose={() => setDiagnosing(false)} />}
      <Dialog open={editing} onOpenChange={setEditing} title="Edit node">
        <NodeForm node={n} onDone={() => setEditing(false)} />
      </Dialog>
      {stateTarget && (
        <StateChangeDialog
          state={stateTarget}
          count={1}
          names={[n.label || maskedProxyUrl({ ...n, username: n.username })]}
          pending={applyState.isPending}
          error={applyState.data && !applyState.data.ok ? applyState.data.fieldErrors : undefined}
          onCancel={() => setStateTarget(null)}
          onConfirm={(reason) => applyState.mutate({ target: { nodeIds: [n.id] }, state: stateTarget, reason })}
        />
      )}
      <Dialog open={confirmDelete} onOpenChange={setConfirmDelete} title="Delete this node?" description="Its history stays in the audit log. This cannot be undone.">
        <div className="flex justify-end gap-2">
          <Button onClick={() => setConfirmDelete(false)}>Cancel</Button>
          <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate({ target: { nodeIds: [n.id] } })}>
            Delete
          </Button>
        </div>
      </Dialog>
    </div>
  );
}

function Item({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-zinc-500">{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
