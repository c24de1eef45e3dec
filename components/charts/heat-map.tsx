import Link from "next/link";

export interface HeatMapView {
  nodes: Array<{ id: string; name: string }>;
  targets: Array<{ id: string; name: string }>;
  cells: Array<Array<{ requests: number; failures: number; nodeFailures: number; failureRate: number } | null>>;
}

function cellStyle(rate: number): string {
  // Lightness from green-ish (0) to deep red (1); alpha keeps it readable on either theme.
  const hue = Math.round(140 * (1 - rate));
  return `hsl(${hue} 75% 45% / ${0.25 + 0.7 * rate})`;
}

/** Node × target failure rate: a red column cell is "blocked by that target", a red row is "node dead". */
export function FailureHeatMap({ map }: { map: HeatMapView }) {
  if (map.nodes.length === 0) return <p className="py-4 text-sm text-zinc-500">No failures in this window.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="text-xs" aria-label="Node by target failure rate" data-testid="heat-map">
        <thead>
          <tr>
            <th className="px-2 py-1 text-left font-medium text-zinc-500">node \ target</th>
            {map.targets.map((t) => (
              <th key={t.id} className="max-w-40 truncate px-2 py-1 text-left font-mono font-normal text-zinc-500" title={t.name}>
                {t.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {map.nodes.map((n, i) => (
            <tr key={n.id}>
              <th className="px-2 py-0.5 text-left font-mono font-normal">
                <Link href={`/nodes/${n.id}`} className="text-blue-700 hover:underline dark:text-blue-400">
                  {n.name}
                </Link>
              </th>
              {map.cells[i].map((c, j) => (
                <td key={map.targets[j].id} className="px-0.5 py-0.5">
                  {c ? (
                    <span
                      className="block min-w-16 rounded px-1.5 py-1 text-center tabular-nums text-zinc-950 dark:text-white"
                      style={{ background: cellStyle(c.failureRate) }}
                      title={`${c.failures} of ${c.requests} failed (${c.nodeFailures} caused by the node or network)`}
                      data-failure-rate={c.failureRate.toFixed(2)}
                    >
                      {Math.round(c.failureRate * 100)}%
                    </span>
                  ) : (
                    <span className="block min-w-16 text-center text-zinc-400">—</span>
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
