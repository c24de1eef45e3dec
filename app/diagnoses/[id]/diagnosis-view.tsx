"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { clsx } from "clsx";
import Link from "next/link";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/field";
import { useCurrentUser } from "@/lib/auth/use-current-user";
import { applyDiagnosisActionAction } from "@/lib/diagnosis/actions";
import { HOP_TEXT, STEP_KEYS, STEP_TITLES, type DiagnosisAttempt, type DiagnosisStep } from "@/lib/diagnosis/schema";
import { diagnosisQueryKeys, useDiagnosisQuery } from "@/lib/diagnosis/use-diagnosis-queries";

const STATUS_MARK: Record<DiagnosisStep["status"] | "pending", { mark: string; className: string }> = {
  ok: { mark: "✓", className: "text-emerald-700 dark:text-emerald-400" },
  failed: { mark: "✗", className: "text-red-700 dark:text-red-400" },
  warning: { mark: "!", className: "text-amber-700 dark:text-amber-400" },
  info: { mark: "i", className: "text-zinc-500" },
  skipped: { mark: "–", className: "text-zinc-400" },
  pending: { mark: "…", className: "text-zinc-400" },
};

/** One diagnosis: the checklist's steps as they complete (polled), then the verdict and its one-click action. */
export function DiagnosisView({ id }: { id: string }) {
  const diagnosis = useDiagnosisQuery(id);
  const queryClient = useQueryClient();
  const canOperate = useCurrentUser().can("operator");
  const apply = useMutation({
    mutationFn: applyDiagnosisActionAction,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: diagnosisQueryKeys.one(id) });
      await queryClient.invalidateQueries({ queryKey: ["nodes"] });
      await queryClient.invalidateQueries({ queryKey: ["audit"] });
    },
  });

  if (diagnosis.isError) return <p role="alert">Could not load this diagnosis: {diagnosis.error.message}</p>;
  const d = diagnosis.data;
  if (!d) return <p className="text-zinc-500">Loading…</p>;
  const running = d.status === "running";
  const steps = new Map(d.steps.map((s) => [s.key, s]));

  return (
    <div className="space-y-5">
      <div>
        <Link href={`/nodes/${d.nodeId}`} className="text-sm text-blue-700 hover:underline dark:text-blue-400">
          ← Node
        </Link>
        <h1 className="mt-2 text-xl font-semibold">Diagnose</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Target <span className="font-mono break-all">{d.targetUrl}</span> · asked by {d.requestedBy} on {new Date(d.startedAt).toLocaleString()}
          {running && <span className="ml-2 text-amber-700 dark:text-amber-400">running…</span>}
        </p>
      </div>

      <ol className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900" aria-label="Diagnose steps">
        {STEP_KEYS.map((key) => {
          const step = steps.get(key);
          const status = step?.status ?? (running ? "pending" : "skipped");
          return (
            <li key={key} className="px-4 py-2 text-sm" data-step={key} data-status={status}>
              <div className="flex gap-3">
                <span aria-hidden className={clsx("w-4 shrink-0 text-center font-bold", STATUS_MARK[status].className)}>
                  {STATUS_MARK[status].mark}
                </span>
                <div className="min-w-0 flex-1">
                  <div className="font-medium">{STEP_TITLES[key]}</div>
                  <div className="break-words text-zinc-600 dark:text-zinc-400" data-testid="step-summary">
                    {step ? step.summary : running ? "waiting…" : "not run"}
                  </div>
                  {step && (step.details.length > 0 || step.attempts.length > 0) && (
                    <details className="mt-1">
                      <summary className="cursor-pointer text-xs text-blue-700 dark:text-blue-400">evidence</summary>
                      <ul className="mt-1 list-disc pl-5 text-xs break-words text-zinc-600 dark:text-zinc-400">
                        {step.details.map((line, i) => (
                          <li key={i}>{line}</li>
                        ))}
                      </ul>
                      {step.attempts.length > 0 && <AttemptTable attempts={step.attempts} />}
                    </details>
                  )}
                </div>
              </div>
            </li>
          );
        })}
      </ol>

      {d.status === "failed" && <p role="alert">The diagnosis stopped on an error: {d.error}</p>}
      {d.status === "interrupted" && <p role="alert">The diagnosis was interrupted (its server process stopped). Run it again from the node page.</p>}

      {d.verdict && (
        <section className="rounded-lg border-2 border-zinc-300 p-4 dark:border-zinc-700" aria-label="Verdict" data-testid="verdict" data-failing-hop={d.verdict.failingHop}>
          <p className="text-xs tracking-wide text-zinc-500 uppercase">Verdict · failing hop: {HOP_TEXT[d.verdict.failingHop]}</p>
          <p className="mt-1 text-base font-semibold" data-testid="verdict-headline">
            {d.verdict.headline}
          </p>
          <p className="mt-1 text-sm break-words text-zinc-600 dark:text-zinc-400">{d.verdict.explanation}</p>
          {d.verdict.action && (
            <div className="mt-3 flex flex-wrap items-center gap-3">
              {d.actionApplied ? (
                <p className="text-sm text-emerald-700 dark:text-emerald-400" data-testid="action-outcome">
                  Applied by {d.actionApplied.by} on {new Date(d.actionApplied.at).toLocaleString()}: {d.actionApplied.outcome}
                </p>
              ) : canOperate ? (
                <Button variant="primary" disabled={apply.isPending} onClick={() => apply.mutate({ id: d.id })} data-action={d.verdict.action.kind}>
                  {d.verdict.action.label}
                </Button>
              ) : (
                <p className="text-sm">Recommended: {d.verdict.action.label} (an operator can apply it).</p>
              )}
              <FormError message={apply.data && !apply.data.ok ? Object.values(apply.data.fieldErrors)[0] : undefined} />
            </div>
          )}
        </section>
      )}
    </div>
  );
}

function AttemptTable({ attempts }: { attempts: DiagnosisAttempt[] }) {
  const msText = (value: number | null) => (value === null ? "—" : Math.round(value));
  return (
    <table className="mt-1 text-xs tabular-nums">
      <thead className="text-zinc-500">
        <tr>
          <th className="pr-3 text-left font-normal">via</th>
          <th className="pr-3 text-left font-normal">class</th>
          <th className="pr-3 text-left font-normal">status</th>
          <th className="pr-3 text-right font-normal">connect / tunnel / TLS / 1st byte / total ms</th>
          <th className="pr-3 text-left font-normal">blame</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a, i) => (
          <tr key={i} title={a.reason}>
            <td className="pr-3">{a.via}</td>
            <td className="pr-3 font-mono">{a.faultClass}</td>
            <td className="pr-3">{a.status ?? "—"}</td>
            <td className="pr-3 text-right">{[a.connectMs, a.tunnelMs, a.tlsMs, a.firstByteMs, a.totalMs].map(msText).join(" / ")}</td>
            <td className="pr-3">
              {a.faultOrigin} ({a.originEvidence})
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
