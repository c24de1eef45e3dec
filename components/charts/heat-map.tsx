import Link from "next/link";

export interface HeatMapView {
  nodes: Array<{ id: string; name: string; failureRate: number }>;
  targets: Array<{ id: string; name: string; url: string; failureRate: number }>;
  cells: Array<Array<{ requests: number; failures: number; nodeFailures: number; failureRate: number; dominantClass: string | null } | null>>;
}

function cellStyle(rate: number): string {
  // Lightness from green-ish (0) to deep red (1); alpha keeps it readable on either theme.
  const hue = Math.round(140 * (1 - rate));
  return `hsl(${hue} 75% 45% / ${0.25 + 0.7 * rate})`;
}

/**
 * Node × target failure rate, worst rows and columns first: a red column cell is "blocked by that
 * target", a red row is "node dead". Each cell names its dominant failure class and opens the
 * results of that node × target (`cellHref`).
 */
export function FailureHeatMap({
  map,
  cellHref,
  onDiagnose,
}: {
  map: HeatMapView;
  cellHref: (nodeId: string, targetId: string) => string;
  /** Diagnose this node × target (operators): runs the 502 checklist for the cell. */
  onDiagnose?: (nodeId: string, targetId: string) => void;
}) {
  if (map.nodes.length === 0) return <p className="py-4 text-sm text-zinc-500">No failures in this window.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="text-xs" aria-label="Node by target failure rate" data-testid="heat-map">
        <thead>
          <tr>
            <th className="px-2 py-1 text-left align-bottom font-medium text-zinc-500">node \ target</th>
            {map.targets.map((t) => (
              <th key={t.id} scope="col" className="max-w-48 min-w-28 px-2 py-1 text-left align-bottom font-normal text-zinc-500" title={t.url}>
                {t.name !== t.url && <span className="block font-medium text-zinc-700 dark:text-zinc-300">{t.name}</span>}
                <span className="block font-mono break-all">{t.url}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {map.nodes.map((n, i) => (
            <tr key={n.id}>
              <th scope="row" className="px-2 py-0.5 text-left font-mono font-normal whitespace-nowrap">
                <Link href={`/nodes/${n.id}`} className="text-blue-700 hover:underline dark:text-blue-400">
                  {n.name}
                </Link>
              </th>
              {map.cells[i].map((c, j) => (
                <td key={map.targets[j].id} className="px-0.5 py-0.5">
                  {c ? (
                    <Link
                      href={cellHref(n.id, map.targets[j].id)}
                      className="block min-w-24 rounded px-1.5 py-1 text-center text-zinc-950 tabular-nums hover:outline-2 hover:outline-blue-500 dark:text-white"
                      style={{ background: cellStyle(c.failureRate) }}
                      title={`${c.failures} of ${c.requests} failed (${c.nodeFailures} caused by the node or network)${c.dominantClass ? `; mostly ${c.dominantClass}` : ""} — open these results`}
                      data-failure-rate={c.failureRate.toFixed(2)}
                      data-dominant-class={c.dominantClass ?? ""}
                    >
                      <span className="block font-medium">{Math.round(c.failureRate * 100)}%</span>
                      {c.dominantClass && <span className="block truncate font-mono text-[10px] opacity-80">{c.dominantClass}</span>}
                    </Link>
                  ) : null}
                  {c && c.failures > 0 && onDiagnose ? (
                    <button
                      type="button"
                      className="mt-0.5 block w-full text-center text-[10px] text-blue-700 hover:underline dark:text-blue-400"
                      aria-label={`Diagnose ${n.name} on ${map.targets[j].url}`}
                      onClick={() => onDiagnose(n.id, map.targets[j].id)}
                    >
                      Diagnose
                    </button>
                  ) : null}
                  {c ? null : (
                    <span className="block min-w-24 text-center text-zinc-400">—</span>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
