"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useUrlParams } from "@/components/use-url-params";
import { useMemo, type ReactNode } from "react";
import { FailureHeatMap } from "@/components/charts/heat-map";
import { LiveToggle } from "@/components/charts/live-toggle";
import { LazyStackedClassChart } from "@/components/charts/lazy-stacked-class-chart";
import { int, ms, pct } from "@/components/charts/format";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/field";
import { LocalTime } from "@/components/local-time";
import { TimeRangeForm } from "@/components/time-range-form";
import { WindowPicker } from "@/components/window-picker";
import { usePoolsQuery } from "@/lib/nodes/use-node-queries";
import { useCurrentUser } from "@/lib/auth/use-current-user";
import { GatewayTrafficPanel } from "./gateway-traffic-panel";
import { HealthPolicyForm } from "./health-policy-form";
import { MonitoringNotice } from "./monitoring-notice";
import { overviewParams } from "./overview-params";
import { useDashboardQuery } from "@/lib/stats/use-stats-queries";
import { useStartDiagnosis } from "@/lib/diagnosis/use-diagnosis-queries";
import { RANGE_LIMITS, rangeProblems, STATS_WINDOWS, STATS_WINDOW_NAMES } from "@/lib/stats/windows";
import { resultsHref } from "@/lib/stats/result-list-schema";
import type { OriginSplit } from "@/lib/stats/class-figures";
import type { OffenderRow } from "@/lib/stats/top-targets";

const ORIGIN_LABEL: Record<keyof OriginSplit, string> = { proxy: "proxy node", network: "network", target: "target", unknown: "undecided" };
const ORIGINS = Object.keys(ORIGIN_LABEL) as Array<keyof OriginSplit>;

/**
 * The overview. Pool, window or custom range (typed in, or dragged across the chart to zoom) live
 * in the URL (bookmarkable, shareable); every figure links to the results behind it (/results
 * with the same pool and window or range plus its own filter).
 */
export function OverviewView() {
  const router = useRouter();
  const url = useUrlParams();
  // The same params as app/page.tsx's server prefetch: the first render finds its figures.
  const params = useMemo(() => overviewParams(url.params), [url.params]);
  const range = params.from && params.to ? { from: params.from, to: params.to } : undefined;
  const dashboard = useDashboardQuery(params);
  const pools = usePoolsQuery();
  const d = dashboard.data;
  const canOperate = useCurrentUser().can("operator");
  const diagnose = useStartDiagnosis();
  const o = d?.overview;
  const stepMs = (d?.series.stepSeconds ?? 60) * 1000;

  const setParams = url.setParams;
  /** A link to the results behind a figure: this pool and window (or range) plus `filter`. */
  const results = (filter: Parameters<typeof resultsHref>[0] = {}) => resultsHref({ poolId: params.poolId, ...(range ?? { window: params.window }), ...filter });

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end gap-3">
        <h1 className="mr-auto text-xl font-semibold">Overview</h1>
        <WindowPicker
          windows={STATS_WINDOW_NAMES.map((name) => ({ name, label: STATS_WINDOWS[name].label }))}
          value={range ? undefined : params.window}
          onChange={(window) => setParams({ window, from: undefined, to: undefined })}
        />
        <div>
          <label htmlFor="overview-pool" className="block text-xs text-zinc-500">
            Pool
          </label>
          <Select id="overview-pool" className="w-48" value={params.poolId ?? ""} onChange={(e) => setParams({ poolId: e.target.value || undefined })}>
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
      <TimeRangeForm
        key={`${params.from}|${params.to}`}
        idPrefix="overview-range"
        from={range?.from ?? o?.from}
        to={range?.to ?? o?.to}
        check={(from, to) => rangeProblems(from, to).map((p) => `${p.field === "from" ? "From" : "To"} ${p.reason}.`)[0] ?? null}
        onApply={(from, to) => setParams({ from, to })}
      />

      <MonitoringNotice status={d?.monitoring} />

      {dashboard.isError && (
        <p role="alert" className="text-red-600">
          Could not load the dashboard: {dashboard.error.message}
        </p>
      )}

      <section aria-label="Key figures" className="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-7">
        <Kpi label="Requests" testId="kpi-requests" href={results()} value={o ? int(o.requests) : "…"} />
        <Kpi label="Success rate" testId="kpi-success" href={results({ bucket: "ok" })} value={pct(o?.successRate)} />
        <Kpi label="502-class" testId="kpi-502" href={results({ bucket: "502" })} value={o ? int(o.count502) : "…"} sub={pct(o?.rate502)} tone="red">
          {o && <OriginSplitLinks split={o.by502} href={(origin) => results({ bucket: "502", origin })} testId="kpi-502-origins" />}
        </Kpi>
        <Kpi label="504-class" testId="kpi-504" href={results({ bucket: "504" })} value={o ? int(o.count504) : "…"} sub={pct(o?.rate504)} tone="orange">
          {o && <OriginSplitLinks split={o.by504} href={(origin) => results({ bucket: "504", origin })} testId="kpi-504-origins" />}
        </Kpi>
        <Kpi label="Other failures" testId="kpi-other" href={results({ bucket: "other_failure" })} value={o ? int(o.otherFailures) : "…"} />
        <Kpi label="Latency p50" testId="kpi-p50" href={results()} value={ms(o?.p50Ms)} />
        <Kpi label="Latency p95" testId="kpi-p95" href={results()} value={ms(o?.p95Ms)} />
      </section>

      <Panel
        title="Results over time, by fault class"
        actions={
          range ? (
            <span className="flex flex-wrap items-center gap-2 text-xs">
              <span data-testid="zoom-range">
                <LocalTime at={range.from} style="datetime" /> – <LocalTime at={range.to} style="datetime" />
              </span>
              <Link href={results()} className="text-blue-700 underline dark:text-blue-400">
                results in this range
              </Link>
              <Button size="sm" onClick={() => setParams({ from: undefined, to: undefined })}>
                Back to the last {STATS_WINDOWS[params.window as keyof typeof STATS_WINDOWS]?.label ?? params.window}
              </Button>
            </span>
          ) : (
            <span className="hidden text-xs text-zinc-500 sm:inline">Click a bar for its results · drag across bars to zoom</span>
          )
        }
      >
        {d && d.series.classes.length > 0 ? (
          <LazyStackedClassChart
            points={d.series.points}
            classes={d.series.classes}
            stepSeconds={d.series.stepSeconds}
            label="Results over time by fault class"
            onStepClick={(t) => router.push(resultsHref({ poolId: params.poolId, from: new Date(t).toISOString(), to: new Date(t + stepMs).toISOString() }))}
            onRangeSelect={(from, to) => setParams(zoomRange(from, to + stepMs))}
            annotations={d.actions.map((a) => ({ t: a.at, label: `${a.action.replace(/^(node|pool)\./, "")} ${a.subject}${a.reason ? ` (“${a.reason}”)` : ""} by ${a.actor}` }))}
          />
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
              {ORIGINS.map((origin) => (
                <tr key={origin} data-origin={origin} className="border-t border-zinc-100 dark:border-zinc-800">
                  <td className="py-1.5">{ORIGIN_LABEL[origin]}</td>
                  <FigureCell testId="502" href={results({ bucket: "502", origin })} value={o?.by502[origin]} />
                  <FigureCell testId="504" href={results({ bucket: "504", origin })} value={o?.by504[origin]} />
                  <FigureCell testId="other" href={results({ bucket: "other_failure", origin })} value={o?.otherByOrigin[origin]} />
                </tr>
              ))}
            </tbody>
          </table>
          <p className="mt-2 text-xs text-zinc-500">
            proxy node: the proxy answered its own 502/504 · network: reset, invalid answer or no answer in time · target: the site&apos;s own 5xx passed through.
          </p>
        </Panel>
        <Panel title="Top offending targets">
          <OffenderTable rows={d?.topTargets} kind="target" results={results} />
        </Panel>
      </div>

      <Panel title="Forward-proxy gateway">
        {d ? <GatewayTrafficPanel traffic={d.gateway} ejected={d.ejected} poolId={params.poolId} inRange={!!range} results={results} /> : <p className="text-sm text-zinc-500">Loading…</p>}
      </Panel>

      <Panel title="Top offending nodes">
        <OffenderTable rows={d?.topNodes} kind="node" results={results} />
      </Panel>

      <Panel title="Node × target failure rate (worst first; each cell: failure rate and its most common class)">
        {d ? (
          <FailureHeatMap
            map={d.heatMap}
            cellHref={(nodeId, targetId) => results({ nodeId, targetId, bucket: "failed" })}
            onDiagnose={canOperate ? (nodeId, targetId) => diagnose.mutate({ nodeId, targetId }) : undefined}
          />
        ) : (
          <p className="text-sm text-zinc-500">Loading…</p>
        )}
        {diagnose.data && !diagnose.data.ok && <p role="alert" className="mt-2 text-sm text-red-700 dark:text-red-400">{Object.values(diagnose.data.fieldErrors)[0]}</p>}
      </Panel>

      {params.poolId && d?.healthPolicy && (
        <Panel title="Automatic health for this pool">
          {!d.healthPolicy.enabled && (
            <p className="mb-2 text-sm text-amber-800 dark:text-amber-300" data-testid="health-off">
              Automatic health is off for this pool: failing nodes are never ejected automatically (they still leave rotation after 3 node-caused failures in a row), and the nodes table&apos;s Health column shows “auto off”.
            </p>
          )}
          {canOperate ? <HealthPolicyForm poolId={params.poolId} policy={d.healthPolicy} /> : null}
        </Panel>
      )}
    </div>
  );
}

/** A dragged range of steps, clipped to what the server accepts (the first step may start before 7 days ago, the last end after now). */
function zoomRange(from: number, to: number): { from: string; to: string } {
  const now = Date.now();
  const start = Math.max(from, now - RANGE_LIMITS.maxAgeMinutes * 60_000 + 60_000);
  return { from: new Date(start).toISOString(), to: new Date(Math.max(Math.min(to, now), start + RANGE_LIMITS.minSpanMinutes * 60_000)).toISOString() };
}

function Kpi({ label, value, sub, tone, testId, href, children }: { label: string; value: string; sub?: string; tone?: "red" | "orange"; testId: string; href: string; children?: ReactNode }) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900">
      <Link href={href} className="group block" aria-label={`${label}: ${value} — open the results`}>
        <div className="text-xs text-zinc-500 group-hover:underline">{label}</div>
        <div
          data-testid={testId}
          className={"text-2xl font-semibold tabular-nums " + (tone === "red" ? "text-red-700 dark:text-red-400" : tone === "orange" ? "text-orange-700 dark:text-orange-400" : "")}
        >
          {value}
        </div>
        {sub && <div className="text-xs text-zinc-500 tabular-nums">{sub}</div>}
      </Link>
      {children}
    </div>
  );
}

/** "proxy 3 · network 1 · target 0" under a 502/504 card, each a link to those results. */
function OriginSplitLinks({ split, href, testId }: { split: OriginSplit; href: (origin: keyof OriginSplit) => string; testId: string }) {
  return (
    <div className="mt-1 flex flex-wrap gap-x-2 text-xs" data-testid={testId}>
      {ORIGINS.map((origin) => (
        <Link key={origin} href={href(origin)} data-origin={origin} className="text-zinc-600 hover:underline dark:text-zinc-400">
          {origin === "proxy" ? "proxy" : origin} <span className="font-medium tabular-nums">{int(split[origin])}</span>
        </Link>
      ))}
    </div>
  );
}

function FigureCell({ value, href, testId }: { value?: number; href: string; testId: string }) {
  return (
    <td className="py-1.5 text-right tabular-nums" data-cell={testId}>
      {value === undefined ? "…" : value === 0 ? "0" : (
        <Link href={href} className="text-blue-700 hover:underline dark:text-blue-400">
          {int(value)}
        </Link>
      )}
    </td>
  );
}

export function Panel({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="min-w-0 rounded-lg border border-zinc-200 bg-white p-4 dark:border-zinc-800 dark:bg-zinc-900" aria-label={title}>
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <h2 className="font-semibold">{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

function OffenderTable({ rows, kind, results }: { rows?: OffenderRow[]; kind: "node" | "target"; results: (filter: Parameters<typeof resultsHref>[0]) => string }) {
  if (!rows) return <p className="text-sm text-zinc-500">Loading…</p>;
  if (rows.length === 0) return <p className="py-4 text-sm text-zinc-500">No failures in this window.</p>;
  const key = kind === "node" ? "nodeId" : "targetId";
  return (
    <table className="w-full table-fixed text-sm" aria-label={`Top offending ${kind}s`} data-testid={`top-${kind}s`}>
      <thead className="text-left text-xs text-zinc-500 uppercase">
        <tr>
          <th className="py-1">{kind}</th>
          <th className="w-24 py-1 text-right">failed</th>
          <th className="w-16 py-1 text-right">rate</th>
          <th className="hidden w-14 py-1 text-right sm:table-cell">502</th>
          <th className="hidden w-14 py-1 text-right sm:table-cell">504</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} className="border-t border-zinc-100 dark:border-zinc-800" data-id={r.id}>
            <td className="truncate py-1.5 pr-2 font-mono text-xs" title={r.name}>
              <Link href={kind === "node" ? `/nodes/${r.id}` : results({ targetId: r.id })} className="text-blue-700 hover:underline dark:text-blue-400">
                {r.name}
              </Link>
            </td>
            <td className="py-1.5 text-right tabular-nums">
              <Link href={results({ [key]: r.id, bucket: "failed" })} className="hover:underline">
                {int(r.failures)} / {int(r.requests)}
              </Link>
            </td>
            <td className="py-1.5 text-right tabular-nums">{pct(r.failureRate)}</td>
            <td className="hidden py-1.5 text-right tabular-nums sm:table-cell">
              <Link href={results({ [key]: r.id, bucket: "502" })} className="hover:underline">
                {int(r.count502)}
              </Link>
            </td>
            <td className="hidden py-1.5 text-right tabular-nums sm:table-cell">
              <Link href={results({ [key]: r.id, bucket: "504" })} className="hover:underline">
                {int(r.count504)}
              </Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
