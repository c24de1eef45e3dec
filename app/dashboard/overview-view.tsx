"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, type ReactNode } from "react";
import { FailureHeatMap } from "@/components/charts/heat-map";
import { LiveToggle } from "@/components/charts/live-toggle";
import { StackedClassChart } from "@/components/charts/stacked-class-chart";
import { int, ms, pct } from "@/components/charts/format";
import { Select } from "@/components/ui/field";
import { usePoolsQuery } from "@/lib/nodes/use-node-queries";
import { useCurrentUser } from "@/lib/auth/use-current-user";
import { HealthPolicyForm } from "./health-policy-form";
import { useDashboardQuery } from "@/lib/stats/use-stats-queries";
import { STATS_WINDOWS, STATS_WINDOW_NAMES } from "@/lib/stats/windows";
import type { OriginSplit } from "@/lib/stats/class-figures";
import type { OffenderRow } from "@/lib/stats/top-targets";

const ORIGIN_LABEL: Record<keyof OriginSplit, string> = { proxy: "proxy node", network: "network", target: "target", unknown: "undecided" };

export function OverviewView() {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const params = useMemo(() => {
    const p: Record<string, string> = { window: searchParams.get("window") ?? "1h" };
    const poolId = searchParams.get("poolId");
    if (poolId) p.poolId = poolId;
    return p;
  }, [searchParams]);
  const dashboard = useDashboardQuery(params);
  const pools = usePoolsQuery();
  const d = dashboard.data;
  const canOperate = useCurrentUser().can("operator");
  const o = d?.overview;

  function setParam(key: string, value: string | undefined) {
    const next = new URLSearchParams(searchParams);
    if (value) next.set(key, value);
    else next.delete(key);
    router.replace(`${pathname}?${next}`, { scroll: false });
  }

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end gap-3">
        <h1 className="mr-auto text-xl font-semibold">Overview</h1>
        <div role="radiogroup" aria-label="Window" className="inline-flex rounded-md border border-zinc-300 dark:border-zinc-700">
          {STATS_WINDOW_NAMES.map((w) => (
            <button
              key={w}
              type="button"
              role="radio"
              aria-checked={params.window === w}
              onClick={() => setParam("window", w)}
              className={
                "px-3 py-1.5 text-sm first:rounded-l-md last:rounded-r-md " +
                (params.window === w ? "bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900" : "hover:bg-zinc-100 dark:hover:bg-zinc-800")
              }
            >
              {STATS_WINDOWS[w].label}
            </button>
          ))}
        </div>
        <div>
          <label htmlFor="overview-pool" className="block text-xs text-zinc-500">
            Pool
          </label>
          <Select id="overview-pool" className="w-48" value={params.poolId ?? ""} onChange={(e) => setParam("poolId", e.target.value || undefined)}>
            <option value="">All pools</option>
            {pools.data?.map((pool) => (
              <option key={pool.id} value={pool.id}>
                {pool.name}
              </option>
            ))}
          </Select>
        </div>
        <LiveToggle fetching={dashboard.isFetching} updatedAt={dashboard.dataUpdatedAt} />
      </div>

      {dashboard.isError && (
        <p role="alert" className="text-red-600">
          Could not load the dashboard: {dashboard.error.message}
        </p>
      )}

      <section aria-label="Key figures" className="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-7">
        <Kpi label="Requests" testId="kpi-requests" value={o ? int(o.requests) : "…"} />
        <Kpi label="Success rate" testId="kpi-success" value={pct(o?.successRate)} />
        <Kpi label="502-class" testId="kpi-502" value={o ? int(o.count502) : "…"} sub={pct(o?.rate502)} tone="red" />
        <Kpi label="504-class" testId="kpi-504" value={o ? int(o.count504) : "…"} sub={pct(o?.rate504)} tone="orange" />
        <Kpi label="Other failures" testId="kpi-other" value={o ? int(o.otherFailures) : "…"} />
        <Kpi label="Latency p50" testId="kpi-p50" value={ms(o?.p50Ms)} />
        <Kpi label="Latency p95" testId="kpi-p95" value={ms(o?.p95Ms)} />
      </section>

      <Panel title="Results over time, by fault class">
        {d && d.series.classes.length > 0 ? (
          <StackedClassChart points={d.series.points} classes={d.series.classes} stepSeconds={d.series.stepSeconds} label="Results over time by fault class" />
        ) : (
          <p className="py-10 text-center text-sm text-zinc-500">{d ? "No results in this window. Schedule probing for a pool or test nodes now." : "Loading…"}</p>
        )}
      </Panel>

      <div className="grid gap-6 lg:grid-cols-2">
        <Panel title="Who failed: 502 and 504 by origin">
          <table className="w-full text-sm" aria-label="502 and 504 by origin" data-testid="origin-split">
            <thead className="text-left text-xs text-zinc-500 uppercase">
              <tr>
                <th className="py-1">origin</th>
                <th className="py-1 text-right">502-class</th>
                <th className="py-1 text-right">504-class</th>
                <th className="py-1 text-right">other failures</th>
              </tr>
            </thead>
            <tbody>
              {(Object.keys(ORIGIN_LABEL) as Array<keyof OriginSplit>).map((origin) => (
                <tr key={origin} data-origin={origin} className="border-t border-zinc-100 dark:border-zinc-800">
                  <td className="py-1.5">{ORIGIN_LABEL[origin]}</td>
                  <td className="py-1.5 text-right tabular-nums" data-cell="502">{o ? int(o.by502[origin]) : "…"}</td>
                  <td className="py-1.5 text-right tabular-nums" data-cell="504">{o ? int(o.by504[origin]) : "…"}</td>
                  <td className="py-1.5 text-right tabular-nums" data-cell="other">{o ? int(o.otherByOrigin[origin]) : "…"}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="mt-2 text-xs text-zinc-500">
            proxy node: the proxy answered its own 502/504 · network: reset, invalid answer or no answer in time · target: the site&apos;s own 5xx passed through.
          </p>
        </Panel>
        <Panel title="Top offending targets">
          <OffenderTable rows={d?.topTargets} kind="target" />
        </Panel>
      </div>

      <Panel title="Top offending nodes">
        <OffenderTable rows={d?.topNodes} kind="node" />
      </Panel>

      <Panel title="Node × target failure rate (nodes with failures)">
        {d ? <FailureHeatMap map={d.heatMap} /> : <p className="text-sm text-zinc-500">Loading…</p>}
      </Panel>

      {params.poolId && canOperate && d && (
        <Panel title="Automatic health for this pool">
          <HealthPolicyForm poolId={params.poolId} policy={d.healthPolicy} />
        </Panel>
      )}
    </div>
  );
}

function Kpi({ label, value, sub, tone, testId }: { label: string; value: string; sub?: string; tone?: "red" | "orange"; testId: string }) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
      <div className="text-xs text-zinc-500">{label}</div>
      <div
        data-testid={testId}
        className={"text-2xl font-semibold tabular-nums " + (tone === "red" ? "text-red-700 dark:text-red-400" : tone === "orange" ? "text-orange-700 dark:text-orange-400" : "")}
      >
        {value}
      </div>
      {sub && <div className="text-xs text-zinc-500 tabular-nums">{sub}</div>}
    </div>
  );
}

export function Panel({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900">
      <h2 className="mb-2 font-semibold">{title}</h2>
      {children}
    </section>
  );
}

function OffenderTable({ rows, kind }: { rows?: OffenderRow[]; kind: "node" | "target" }) {
  if (!rows) return <p className="text-sm text-zinc-500">Loading…</p>;
  if (rows.length === 0) return <p className="py-4 text-sm text-zinc-500">No failures in this window.</p>;
  return (
    <table className="w-full text-sm" aria-label={`Top offending ${kind}s`} data-testid={`top-${kind}s`}>
      <thead className="text-left text-xs text-zinc-500 uppercase">
        <tr>
          <th className="py-1">{kind}</th>
          <th className="py-1 text-right">failed</th>
          <th className="py-1 text-right">rate</th>
          <th className="py-1 text-right">502</th>
          <th className="py-1 text-right">504</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} className="border-t border-zinc-100 dark:border-zinc-800" data-id={r.id}>
            <td className="max-w-80 truncate py-1.5 font-mono text-xs" title={r.name}>
              {kind === "node" ? (
                <Link href={`/nodes/${r.id}`} className="text-blue-700 hover:underline dark:text-blue-400">
                  {r.name}
                </Link>
              ) : (
                <Link href="/targets" className="text-blue-700 hover:underline dark:text-blue-400">
                  {r.name}
                </Link>
              )}
            </td>
            <td className="py-1.5 text-right tabular-nums">
              {int(r.failures)} / {int(r.requests)}
            </td>
            <td className="py-1.5 text-right tabular-nums">{pct(r.failureRate)}</td>
            <td className="py-1.5 text-right tabular-nums">{int(r.count502)}</td>
            <td className="py-1.5 text-right tabular-nums">{int(r.count504)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
