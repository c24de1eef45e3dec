"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, FormError, Select } from "@/components/ui/field";
import { useStartDiagnosis } from "@/lib/diagnosis/use-diagnosis-queries";
import { useProbeTargetsQuery } from "@/lib/probe/use-probe-queries";

/** Diagnose on the node page: pick a target (default: the one it failed on last, else its pool's first), then watch the checklist run. */
export function DiagnoseDialog({ nodeId, onClose }: { nodeId: string; onClose: () => void }) {
  const targets = useProbeTargetsQuery();
  const [targetId, setTargetId] = useState("");
  const start = useStartDiagnosis();
  return (
    <Dialog
      open
      onOpenChange={(open) => !open && onClose()}
      title="Diagnose this node"
      description="Runs the 502 checklist through this node: resolve, connect, handshake, the target (a few attempts), the same through a control node, the response signature and the exit IP — then a verdict with one recommended action."
    >
      <form
        className="space-y-3"
        onSubmit={(event) => {
          event.preventDefault();
          start.mutate({ nodeId, targetId });
        }}
      >
        <Field id="diagnose-target" label="Target" error={start.data && !start.data.ok ? start.data.fieldErrors.targetId : undefined}>
          <Select id="diagnose-target" value={targetId} onChange={(event) => setTargetId(event.target.value)}>
            <option value="">Automatic: the target it failed on last, else its pool&apos;s first</option>
            {targets.data?.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name ? `${t.name} — ${t.url}` : t.url}
              </option>
            ))}
          </Select>
        </Field>
        <FormError message={start.data && !start.data.ok && !start.data.fieldErrors.targetId ? Object.values(start.data.fieldErrors)[0] : undefined} />
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" disabled={start.isPending || start.data?.ok}>
            {start.isPending || start.data?.ok ? "Starting…" : "Diagnose"}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
