"use client";

import Link from "next/link";
import { useUrlParams } from "@/components/use-url-params";
import { FaultClassBadge } from "@/components/fault-class-badge";
import { Button } from "@/components/ui/button";
import { Input, Select } from "@/components/ui/field";
import { fromLocalInput, toLocalInput } from "@/components/time-range-form";
import { WindowPicker } from "@/components/window-picker";
import { useNodeQuery, usePoolsQuery } from "@/lib/nodes/use-node-queries";
import { formatHostPort } from "@/lib/nodes/proxy-address";
import { FAULT_CLASS_NAMES, FAULT_CLASSES } from "@/lib/probe/fault-taxonomy";
import { useProbeTargetsQuery } from "@/lib/probe/use-probe-queries";
import { RESULT_FILTER_KEYS, RESULT_SOURCES } from "@/lib/stats/result-list-schema";
import { useResultListQuery } from "@/lib/stats/use-result-queries";
import { STATS_WINDOWS, STATS_WINDOW_NAMES } from "@/lib/stats/windows";

const BUCKETS: Array<[string, string]> = [["failed", "any failure"], ["502", "502-class"], ["504", "504-class"], ["other_failure", "other failures"], ["ok", "ok"]];
const ORIGINS: Array<[string, string]> = [["proxy", "proxy node"], ["network", "network"], ["target", "target"], ["unknown", "undecided"]];
const SOURCE_LABEL: Record<(typeof RESULT_SOURCES)[number], string> = { probe: "probes", gateway: "gateway traffic", caller: "caller reports" };

/**
 * The raw results behind any figure of the overview: every filter lives in the URL, so each
 * card, cell and bar links here, and a view can be shared. CSV exports the same filter.
 */
export function ResultsView() {
  const { params, setParams: setUrlParams } = useUrlParams();
  const results = useResultListQuery(params);
  const pools = usePoolsQuery();
  const targets = useProbeTargetsQuery();

  /** Any change but paging starts again at the newest results. */
  function setParams(patch: Record<string, string | undefined>) {
    setUrlParams(patch, "before" in patch ? [] : ["before"]);
  }

  const csvParams = new URLSearchParams(Object.entries(params).filter(([key]) => (RESULT_FILTER_KEYS as readonly string[]).includes(key)));
  csvParams.set("format", "csv");
  const custom = Boolean(params.from || params.to);
  const data = results.data;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <h1 className="mr-auto text-xl font-semibold">Results</h1>
        <WindowPicker
          windows={STATS_WINDOW_NAMES.map((name) => ({ name, label: STATS_WINDOWS[name].label }))}
          value={custom || params.runId ? undefined : (params.window ?? "1h")}
          onChange={(window) => setParams({ window, from: undefined, to: undefined, runId: undefined })}
        />
        <a href={`/api/ui/results?${csvParams}`} className="inline-flex h-9 items-center rounded-md border border-zinc-300 px-3 text-sm hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800" download>
          Export CSV
        </a>
      </div>

      <div className="grid grid-cols-2 items-end gap-2 sm:flex sm:flex-wrap" role="search" aria-label="Result filters">
        <Labelled label="From" id="results-from">
          <Input id="results-from" type="datetime-local" className="sm:w-52" value={toLocalInput(params.from)} onChange={(e) => setParams({ from: fromLocalInput(e.target.value) })} />
        </Labelled>
        <Labelled label="To" id="results-to">
          <Input id="results-to" type="datetime-local" className="sm:w-52" value={toLocalInput(params.to)} onChange={(e) => setParams({ to: fromLocalInput(e.target.value) })} />
        </Labelled>
        <Labelled label="Pool" id="results-pool">
          <Select id="results-pool" className="sm:w-44" value={params.poolId ?? ""} onChange={(e) => setParams({ poolId: e.target.value || undefined })}>
            <option value="">All pools</option>
            {pools.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
        </Labelled>
        <Labelled label="Target" id="results-target">
          <Select id="results-target" className="sm:w-56" value={params.targetId ?? ""} onChange={(e) => setParams({ targetId: e.target.value || undefined })}>
            <option value="">All targets</option>
            {targets.data?.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name ? `${t.name} — ${t.url}` : t.url}
              </option>
            ))}
          </Select>
        </Labelled>
        <Labelled label="Outcome" id="results-bucket">
          <Select id="results-bucket" className="sm:w-40" value={params.bucket ?? ""} onChange={(e) => setParams({ bucket: e.target.value || undefined })}>
            <option value="">All</option>
            {BUCKETS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </Select>
        </Labelled>
        <Labelled label="Origin" id="results-origin">
          <Select id="results-origin" className="sm:w-36" value={params.origin ?? ""} onChange={(e) => setParams({ origin: e.target.value || undefined })}>
            <option value="">All</option>
            {ORIGINS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </Select>
        </Labelled>
        <Labelled label="Fault class" id="results-class">
          <Select id="results-class" className="sm:w-44" value={params.faultClass ?? ""} onChange={(e) => setParams({ faultClass: e.target.value || undefined })}>
            <option value="">All</option>
            {FAULT_CLASS_NAMES.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </Select>
        </Labelled>
        <Labelled label="Source" id="results-source">
          <Select id="results-source" className="sm:w-40" value={params.source ?? ""} onChange={(e) => setParams({ source: e.target.value || undefined })}>
            <option value="">All</option>
            {RESULT_SOURCES.map((source) => (
              <option key={source} value={source}>
                {SOURCE_LABEL[source]}
              </option>
            ))}
          </Select>
        </Labelled>
      </div>

      {(params.nodeId || params.runId) && (
        <div className="flex flex-wrap gap-2 text-sm">
          {params.nodeId && (
            <Chip onRemove={() => setParams({ nodeId: undefined })}>
              node <NodeName id={params.nodeId} />
            </Chip>
          )}
          {params.runId && <Chip onRemove={() => setParams({ runId: undefined })}>one Test-now run</Chip>}
        </div>
      )}

      {results.isError && (
        <p role="alert" className="text-red-600">
          Could not load results: {results.error.message}
        </p>
      )}
      {data && (
        <p className="text-xs text-zinc-500" data-testid="results-range">
          {new Date(data.from).toLocaleString()} – {new Date(data.to).toLocaleString()} · raw results are kept 48 h by default; older figures come from rollups and have no rows here.
        </p>
      )}

      <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
        <table className="w-full text-sm" aria-label="Results" aria-busy={results.isFetching}>
          <thead className="border-b border-zinc-200 text-left text-xs text-zinc-500 uppercase dark:border-zinc-800">
            <tr>
              <th className="px-3 py-2 font-medium">When</th>
              <th className="px-3 py-2 font-medium">Node</th>
              <th className="hidden px-3 py-2 font-medium md:table-cell">Target</th>
              <th className="px-3 py-2 font-medium">Class</th>
              <th className="hidden px-3 py-2 font-medium sm:table-cell">Origin</th>
              <th className="hidden px-3 py-2 font-medium lg:table-cell">Why</th>
              <th className="hidden px-3 py-2 text-right font-medium md:table-cell">Status</th>
              <th className="hidden px-3 py-2 text-right font-medium md:table-cell">ms</th>
            </tr>
          </thead>
          <tbody>
            {data?.rows.map((r) => (
              <tr key={r.id} className="border-b border-zinc-100 align-top last:border-0 dark:border-zinc-800" data-fault-class={r.faultClass} data-origin={r.origin} data-source={r.source}>
                <td className="px-3 py-1.5 whitespace-nowrap text-zinc-500">
                  <time dateTime={r.startedAt} title={new Date(r.startedAt).toLocaleString()}>
                    {new Date(r.startedAt).toLocaleTimeString()}
                  </time>
                </td>
                <td className="max-w-56 px-3 py-1.5 font-mono text-xs break-all">
                  <Link href={`/nodes/${r.nodeId}`} className="text-blue-700 hover:underline dark:text-blue-400">
                    {r.nodeName}
                  </Link>
                </td>
                <td className="hidden max-w-64 truncate px-3 py-1.5 font-mono text-xs md:table-cell" title={r.targetUrl}>
                  {r.targetName}
                </td>
                <td className="px-3 py-1.5">
                  <FaultClassBadge faultClass={r.faultClass} bucket={r.bucket} title={`${FAULT_CLASSES[r.faultClass as keyof typeof FAULT_CLASSES]?.label ?? r.faultClass} — ${r.reason}`} />
                </td>
                <td className="hidden px-3 py-1.5 sm:table-cell" title={`answer from: ${r.responder}`}>{r.origin === "none" ? "—" : r.origin}</td>
                <td className="hidden px-3 py-1.5 text-zinc-600 lg:table-cell dark:text-zinc-400">{r.reason}</td>
                <td className="hidden px-3 py-1.5 text-right tabular-nums md:table-cell">{r.status ?? "—"}</td>
                <td className="hidden px-3 py-1.5 text-right tabular-nums md:table-cell">{r.totalMs}</td>
              </tr>
            ))}
            {data && data.rows.length === 0 && (
              <tr>
                <td colSpan={8} className="px-3 py-10 text-center text-zinc-500">
                  No results match these filters.
                </td>
              </tr>
            )}
            {!data && !results.isError && (
              <tr>
                <td colSpan={8} className="px-3 py-10 text-center text-zinc-500">
                  Loading…
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="flex gap-2">
        {params.before && <Button onClick={() => setParams({ before: undefined })}>Newest</Button>}
        {data?.nextBefore && <Button onClick={() => setParams({ before: data.nextBefore ?? undefined })}>Older</Button>}
      </div>
    </div>
  );
}

function Labelled({ label, id, children }: { label: string; id: string; children: React.ReactNode }) {
  return (
    <div>
      <label htmlFor={id} className="block text-xs text-zinc-500">
        {label}
      </label>
      {children}
    </div>
  );
}

function Chip({ children, onRemove }: { children: React.ReactNode; onRemove: () => void }) {
  return (
    <span className="inline-flex items-center gap-1 rounded-full border border-zinc-300 px-2 py-0.5 dark:border-zinc-700">
      {children}
      <button type="button" aria-label="Remove this filter" className="text-zinc-500 hover:text-zinc-900 dark:hover:text-zinc-100" onClick={onRemove}>
        ×
      </button>
    </span>
  );
}

function NodeName({ id }: { id: string }) {
  const node = useNodeQuery(id);
  return (
    <Link href={`/nodes/${id}`} className="font-mono text-blue-700 underline dark:text-blue-400">
      {node.data ? node.data.label || `${node.data.scheme}://${formatHostPort(node.data.host, node.data.port)}` : "…"}
    </Link>
  );
}
