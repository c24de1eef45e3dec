"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { clsx } from "clsx";
import { useRef, useState, type ChangeEvent, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, FormError, Select, Textarea } from "@/components/ui/field";
import { importNodesAction } from "@/lib/nodes/actions";
import type { ImportLineReport, ImportReport } from "@/lib/nodes/mutations";
import { MAX_IMPORT_BYTES, importNodesSchema, splitTags } from "@/lib/nodes/schema";
import { fieldErrors } from "@/lib/http/field-errors";
import { nodeQueryKeys } from "@/lib/nodes/query-keys";
import { usePoolsQuery } from "@/lib/nodes/use-node-queries";

const FORMATS = ["host:port", "host:port:user:pass", "user:pass@host:port", "scheme://user:pass@host:port"];

export function ImportDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const queryClient = useQueryClient();
  const pools = usePoolsQuery();
  const [text, setText] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [report, setReport] = useState<ImportReport | null>(null);

  const runImport = useMutation({
    mutationFn: importNodesAction,
    onSuccess: async (result) => {
      if (!result.ok) return setErrors(result.fieldErrors);
      setReport(result.report);
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.all });
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.pools });
      await queryClient.invalidateQueries({ queryKey: nodeQueryKeys.tags });
    },
    onError: () => setErrors({ form: "The import did not reach the server (too large or offline); nothing was stored." }),
  });

  async function loadFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    if (file.size > MAX_IMPORT_BYTES) {
      setErrors({ text: `${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MB; the limit is ${MAX_IMPORT_BYTES / 1024 / 1024} MB per import.` });
      event.target.value = "";
      return;
    }
    setErrors({});
    setText(await file.text());
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = {
      text,
      defaultScheme: String(form.get("defaultScheme")),
      tags: splitTags(String(form.get("tags") ?? "")),
      poolId: form.get("poolId") ? String(form.get("poolId")) : undefined,
    };
    // The size check runs here first: a 10 MB paste never leaves the browser.
    const check = importNodesSchema.safeParse(input);
    if (!check.success) return setErrors(fieldErrors(check.error));
    setErrors({});
    runImport.mutate(input);
  }

  function close(next: boolean) {
    onOpenChange(next);
    if (!next) {
      setReport(null);
      setText("");
      setErrors({});
    }
  }

  return (
    <Dialog open={open} onOpenChange={close} title="Import nodes" description={`One proxy per line: ${FORMATS.join(", ")}. Lines starting with # are ignored.`} wide>
      {report ? (
        <ImportReportView report={report} onDone={() => close(false)} onAgain={() => setReport(null)} />
      ) : (
        <form onSubmit={submit} className="space-y-3" noValidate>
          <FormError message={errors.form} />
          <Field id="import-text" label="Proxy list" error={errors.text}>
            <Textarea
              id="import-text"
              rows={10}
              value={text}
              onChange={(event) => setText(event.target.value)}
              placeholder={"203.0.113.7:8080\n203.0.113.8:3128:user:pass\nsocks5://user:pass@203.0.113.9:1080"}
              spellCheck={false}
              aria-invalid={errors.text ? true : undefined}
            />
          </Field>
          <div className="flex items-center gap-3 text-sm">
            <label className="cursor-pointer text-blue-700 underline dark:text-blue-400">
              Upload a file…
              <input type="file" accept=".txt,.csv,.list,text/plain" className="sr-only" onChange={loadFile} aria-label="Upload a list file" />
            </label>
            <span className="text-zinc-500">{text ? `${text.split("\n").filter((l) => l.trim()).length} lines` : ""}</span>
          </div>
          <div className="grid grid-cols-3 gap-2">
            <Field id="import-scheme" label="Scheme for bare lines">
              <Select id="import-scheme" name="defaultScheme" defaultValue="http">
                <option value="http">http</option>
                <option value="https">https</option>
                <option value="socks5">socks5</option>
              </Select>
            </Field>
            <Field id="import-pool" label="Add to pool">
              <Select id="import-pool" name="poolId" defaultValue="">
                <option value="">(none)</option>
                {pools.data?.map((pool) => (
                  <option key={pool.id} value={pool.id}>
                    {pool.name}
                  </option>
                ))}
              </Select>
            </Field>
            <Field id="import-tags" label="Tags for new nodes" error={errors.tags ?? Object.entries(errors).find(([k]) => k.startsWith("tags."))?.[1]}>
              <input id="import-tags" name="tags" className="h-9 w-full rounded-md border border-zinc-300 bg-white px-2.5 text-sm dark:border-zinc-700 dark:bg-zinc-900" />
            </Field>
          </div>
          <div className="flex justify-end gap-2">
            <Button onClick={() => close(false)}>Cancel</Button>
            <Button type="submit" variant="primary" disabled={runImport.isPending}>
              {runImport.isPending ? "Importing…" : "Import"}
            </Button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

const STATUS_STYLE: Record<ImportLineReport["status"], string> = {
  added: "text-emerald-700 dark:text-emerald-400",
  duplicate: "text-amber-700 dark:text-amber-400",
  invalid: "text-red-700 dark:text-red-400",
};

function ImportReportView({ report, onDone, onAgain }: { report: ImportReport; onDone: () => void; onAgain: () => void }) {
  const [show, setShow] = useState<"all" | "problems">(report.invalid + report.duplicate > 0 ? "problems" : "all");
  const lines = show === "all" ? report.lines : report.lines.filter((line) => line.status !== "added");
  const scrollRef = useRef<HTMLDivElement>(null);
  // A 10,000-line report stays smooth: only the visible rows are in the DOM.
  const virtualizer = useVirtualizer({ count: lines.length, getScrollElement: () => scrollRef.current, estimateSize: () => 28, overscan: 12 });

  return (
    <div className="space-y-3" data-testid="import-report">
      <p className="text-sm" role="status">
        <strong data-testid="import-added">{report.added}</strong> added, <strong data-testid="import-duplicate">{report.duplicate}</strong> duplicate,{" "}
        <strong data-testid="import-invalid">{report.invalid}</strong> invalid.
      </p>
      <div className="flex gap-2 text-sm">
        <Button size="sm" variant={show === "problems" ? "primary" : "secondary"} onClick={() => setShow("problems")}>
          Problems only
        </Button>
        <Button size="sm" variant={show === "all" ? "primary" : "secondary"} onClick={() => setShow("all")}>
          All lines
        </Button>
      </div>
      <div ref={scrollRef} className="h-72 overflow-auto rounded border border-zinc-200 text-sm dark:border-zinc-800" role="table" aria-label="Import report">
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {virtualizer.getVirtualItems().map((item) => {
            const line = lines[item.index];
            return (
              <div
                key={line.line}
                role="row"
                data-line={line.line}
                data-status={line.status}
                className="absolute inset-x-0 flex gap-3 border-b border-zinc-100 px-2 py-1 dark:border-zinc-800"
                style={{ top: item.start, height: item.size }}
              >
                <span role="cell" className="w-14 shrink-0 text-right font-mono text-zinc-500">
                  {line.line}
                </span>
                <span role="cell" className={clsx("w-20 shrink-0 font-medium", STATUS_STYLE[line.status])}>
                  {line.status}
                </span>
                <span role="cell" className="truncate font-mono">
                  {line.address}
                </span>
                <span role="cell" className="truncate text-zinc-600 dark:text-zinc-400">
                  {line.field ? `${line.field}: ` : ""}
                  {line.message}
                </span>
              </div>
            );
          })}
        </div>
      </div>
      <div className="flex justify-end gap-2">
        <Button onClick={onAgain}>Import more</Button>
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}
