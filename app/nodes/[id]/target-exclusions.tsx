"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Button } from "@/components/ui/button";
import { includeTargetForNodeAction } from "@/lib/probe/actions";
import { probeQueryKeys, useNodeExclusionsQuery } from "@/lib/probe/use-probe-queries";

/** Targets the scheduler skips for this node (set by a Diagnose verdict), each with a way back. */
export function TargetExclusions({ nodeId, canOperate }: { nodeId: string; canOperate: boolean }) {
  const exclusions = useNodeExclusionsQuery(nodeId);
  const queryClient = useQueryClient();
  const include = useMutation({
    mutationFn: includeTargetForNodeAction,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: probeQueryKeys.nodeExclusions(nodeId) });
      await queryClient.invalidateQueries({ queryKey: ["audit"] });
    },
  });
  if (!exclusions.data?.length) return null;
  return (
    <section aria-label="Targets not probed through this node">
      <h2 className="mb-2 font-semibold">Targets not probed through this node</h2>
      <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white text-sm dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900">
        {exclusions.data.map((x) => (
          <li key={x.targetId} className="flex flex-wrap items-center gap-3 px-4 py-2">
            <span className="font-mono break-all">{x.url}</span>
            <span className="text-xs text-zinc-500">
              by {x.createdBy} on {new Date(x.createdAt).toLocaleString()}
              {x.reason && ` — ${x.reason}`}
            </span>
            {canOperate && (
              <Button size="sm" className="ml-auto" disabled={include.isPending} onClick={() => include.mutate({ nodeId, targetId: x.targetId })}>
                Probe again
              </Button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
