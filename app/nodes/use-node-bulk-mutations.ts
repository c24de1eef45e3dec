"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { STATE_PAST, type NodeStateName } from "@/components/state-change-dialog";
import { changeNodeStateAction, deleteNodesAction } from "@/lib/nodes/actions";
import { pinNodesAction, rotateNodesAction } from "@/lib/health/actions";
import { nodeQueryKeys } from "@/lib/nodes/query-keys";

export type BulkTarget = { nodeIds: string[] } | { filter: Record<string, string> };

const plural = (n: number) => `${n} node${n === 1 ? "" : "s"}`;
/** "a, b, c and 2 more" — what the confirmation names. */
export function listNames(names: string[] | undefined, count: number): string {
  if (!names || names.length === 0 || names.length !== count) return plural(count);
  return names.length <= 3 ? names.join(", ") : `${names.slice(0, 3).join(", ")} and ${names.length - 3} more`;
}

/**
 * The table's writes: state change, delete, pin/unpin/rotate. Each says what it changed (by node
 * name when the selection is explicit) through `onDone`, which also clears the selection.
 */
export function useNodeBulkMutations(onDone: (notice: string) => void) {
  const queryClient = useQueryClient();
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.all });
    await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.pools });
    await queryClient.invalidateQueries({ queryKey: ["audit"] });
  };

  const changeState = useMutation({
    mutationFn: (input: { target: BulkTarget; state: NodeStateName; reason: string; names?: string[]; count: number }) =>
      changeNodeStateAction({ target: input.target, state: input.state, reason: input.reason }),
    onSuccess: async (result, input) => {
      if (!result.ok) return;
      const reason = input.reason.trim() ? ` (“${input.reason.trim()}”)` : "";
      onDone(
        `${STATE_PAST[input.state]} ${listNames(input.names, input.count)}${reason}: ${plural(result.changed)} changed` +
          (result.unchanged ? `, ${result.unchanged} already ${input.state.toLowerCase()}` : "") +
          ".",
      );
      await refresh();
    },
  });

  const remove = useMutation({
    mutationFn: (input: { target: BulkTarget; names?: string[]; count: number }) => deleteNodesAction({ target: input.target }),
    onSuccess: async (result, input) => {
      if (!result.ok) return;
      onDone(`Deleted ${listNames(input.names, input.count)}: ${plural(result.deleted)} removed.`);
      await refresh();
    },
  });

  // Pin / unpin / rotate work on explicit selections (rotation waits for echo probes).
  const health = useMutation({
    mutationFn: async (input: { kind: "pin" | "unpin" | "rotate"; nodeIds: string[]; names: string[] }) => {
      const who = listNames(input.names, input.nodeIds.length);
      if (input.kind === "rotate") {
        const result = await rotateNodesAction({ nodeIds: input.nodeIds });
        if (!result.ok) return Object.values(result.fieldErrors)[0];
        const changed = result.outcomes.filter((o) => o.ok).length;
        const failed = result.outcomes.filter((o) => !o.ok).map((o) => ` ${o.message}`).slice(0, 3).join("");
        return `Rotated ${who}: ${changed} of ${result.outcomes.length} got a new exit IP.${failed}`;
      }
      const result = await pinNodesAction({ nodeIds: input.nodeIds, pinned: input.kind === "pin" });
      return result.ok ? `${input.kind === "pin" ? "Pinned" : "Unpinned"} ${who}: ${plural(result.changed)} changed.` : Object.values(result.fieldErrors)[0];
    },
    onSettled: async (message, error) => {
      onDone(error ? "The server could not be reached; nothing changed." : (message ?? ""));
      await refresh();
    },
  });

  return { changeState, remove, health };
}
