"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { Dialog } from "@/components/ui/dialog";
import { Field, FormError, Input } from "@/components/ui/field";
import { createPoolAction, deletePoolAction } from "@/lib/pools/actions";
import { poolSchema } from "@/lib/pools/schema";
import { fieldErrors } from "@/lib/http/field-errors";
import type { PoolSummary } from "@/lib/pools/data";
import { nodeQueryKeys } from "@/lib/nodes/query-keys";
import { usePoolsQuery } from "@/lib/nodes/use-node-queries";
import { useCurrentUser } from "@/lib/auth/use-current-user";
import { TestNowDialog } from "../nodes/test-now-dialog";
import { PoolGatewayDialog } from "./pool-gateway-dialog";
import { PoolProbingDialog } from "./pool-probing-dialog";

export function PoolsView() {
  const pools = usePoolsQuery();
  const queryClient = useQueryClient();
  const canOperate = useCurrentUser().can("operator");
  const [creating, setCreating] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [deleting, setDeleting] = useState<PoolSummary | null>(null);
  const [probing, setProbing] = useState<PoolSummary | null>(null);
  const [testing, setTesting] = useState<PoolSummary | null>(null);
  const [gatewaySettings, setGatewaySettings] = useState<PoolSummary | null>(null);

  const create = useMutation({
    mutationFn: createPoolAction,
    onSuccess: async (result) => {
      if (!result.ok) return setErrors(result.fieldErrors);
      setCreating(false);
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.pools });
    },
  });
  const remove = useMutation({
    mutationFn: deletePoolAction,
    onSuccess: async () => {
      setDeleting(null);
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.pools });
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.all });
    },
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = { name: String(form.get("name")), description: String(form.get("description") ?? "") };
    const check = poolSchema.safeParse(input);
    if (!check.success) return setErrors(fieldErrors(check.error));
    setErrors({});
    create.mutate(input);
  }

  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Pools</h1>
        {canOperate && (
          <Button variant="primary" onClick={() => setCreating(true)}>
            New pool
          </Button>
        )}
      </div>
      <DataTable
        label="Pools"
        columns={["Name", "Description", { label: "Nodes", align: "right" }, { label: "Enabled", align: "right" }, { label: "Draining", align: "right" }, { label: "Disabled", align: "right" }, { label: "", hidden: !canOperate }]}
        isEmpty={pools.data?.length === 0}
        emptyText="No pools yet. A pool groups nodes that programs check out together."
      >
        {pools.data?.map((pool) => (
          <tr key={pool.id}>
            <td>
              <Link href={`/nodes?poolId=${pool.id}`} className="font-medium text-blue-700 hover:underline dark:text-blue-400">
                {pool.name}
              </Link>
            </td>
            <td className="text-zinc-600 dark:text-zinc-400">{pool.description}</td>
            <td className="text-right tabular-nums">{pool.nodes.total}</td>
            <td className="text-right tabular-nums">{pool.nodes.ENABLED}</td>
            <td className="text-right tabular-nums">{pool.nodes.DRAINING}</td>
            <td className="text-right tabular-nums">{pool.nodes.DISABLED}</td>
            <td className={canOperate ? "space-x-1 text-right whitespace-nowrap" : "hidden"}>
              <Button size="sm" onClick={() => setTesting(pool)} disabled={pool.nodes.total === 0}>
                Test now
              </Button>
              <Button size="sm" onClick={() => setProbing(pool)}>
                Schedule
              </Button>
              <Button size="sm" onClick={() => setGatewaySettings(pool)} title={`Gateway: ${pool.proxyGateway.maxAttempts} attempts, ${pool.proxyGateway.deadlineMs / 1000} s deadline`}>
                Gateway
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setDeleting(pool)}>
                Delete
              </Button>
            </td>
          </tr>
        ))}
      </DataTable>
      {probing && <PoolProbingDialog pool={probing} onClose={() => setProbing(null)} />}
      {gatewaySettings && <PoolGatewayDialog pool={gatewaySettings} onClose={() => setGatewaySettings(null)} />}
      {testing && <TestNowDialog target={{ filter: { poolId: testing.id } }} count={testing.nodes.total} poolId={testing.id} onClose={() => setTesting(null)} />}
      <Dialog open={creating} onOpenChange={setCreating} title="New pool">
        <form onSubmit={submit} className="space-y-3" noValidate>
          <FormError message={errors.form} />
          <Field id="pool-name" label="Name" error={errors.name}>
            <Input id="pool-name" name="name" aria-invalid={errors.name ? true : undefined} />
          </Field>
          <Field id="pool-description" label="Description" error={errors.description}>
            <Input id="pool-description" name="description" />
          </Field>
          <div className="flex justify-end gap-2">
            <Button onClick={() => setCreating(false)}>Cancel</Button>
            <Button type="submit" variant="primary" disabled={create.isPending}>
              Create pool
            </Button>
          </div>
        </form>
      </Dialog>
      <Dialog open={deleting !== null} onOpenChange={(open) => !open && setDeleting(null)} title={`Delete pool ${deleting?.name ?? ""}?`} description="Its nodes stay in the registry; only the grouping is removed.">
        <div className="flex justify-end gap-2">
          <Button onClick={() => setDeleting(null)}>Cancel</Button>
          <Button variant="danger" disabled={remove.isPending} onClick={() => deleting && remove.mutate({ id: deleting.id })}>
            Delete pool
          </Button>
        </div>
      </Dialog>
    </div>
  );
}
