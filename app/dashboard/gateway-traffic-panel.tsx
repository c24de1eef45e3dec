"use client";

import Link from "next/link";
import { int, pct } from "@/components/charts/format";
import { LocalTime } from "@/components/local-time";
import { FAULT_CLASSES } from "@/lib/probe/fault-taxonomy";
import type { resultsHref } from "@/lib/stats/result-list-schema";
import type { EjectedNodes } from "@/lib/stats/ejected-nodes";
import type { GatewayTraffic } from "@/lib/stats/gateway-traffic";

/** Outcomes the gateway itself ends a request with (they have no fault class and no result rows). */
const GATEWAY_OUTCOMES: Record<string, string> = {
  no_healthy_node: "No healthy node (503)",
  deadline: "Deadline passed (504)",
  client_closed: "Client went away",
};

/** Who a final failure is put on: the overview's origin names, plus the gateway's own outcomes. */
const ORIGIN_LABEL: Record<string, string> = { proxy: "proxy node", network: "network", target: "target", unknown: "undecided", gateway: "gateway", client: "client" };

const classLabel = (finalClass: string) => FAULT_CLASSES[finalClass as keyof typeof FAULT_CLASSES]?.label ?? GATEWAY_OUTCOMES[finalClass] ?? finalClass;

/**
 * The forward-proxy gateway on the overview: client requests, their retries (extra attempts on
 * other nodes), final failures by class and origin, and the nodes automatic health holds out.
 * Figures link to the gateway's attempts in the results view (source = gateway).
 */
export function GatewayTrafficPanel({
  traffic,
  ejected,
  poolId,
  inRange,
  results,
}: {
  traffic: GatewayTraffic;
  ejected: EjectedNodes;
  poolId?: string;
  /** A custom range is shown: figures are the range's, the rate its last minutes'. */
  inRange: boolean;
  results: (filter: Parameters<typeof resultsHref>[0]) => string;
}) {
  const gatewayResults = (filter: Parameters<typeof resultsHref>[0] = {}) => results({ source: "gateway", ...filter });
  return (
    <div className="space-y-4" data-testid="gateway-traffic">
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Figure label="Requests" testId="gateway-requests" href={gatewayResults()} value={int(traffic.requests)} sub={`${traffic.requestsPerSecond.toFixed(traffic.requestsPerSecond >= 10 ? 0 : 1)} /s (last ${traffic.rateMinutes} min${inRange ? " of the range" : ""})`} subTestId="gateway-rate" />
        <Figure label="Retries" testId="gateway-retries" href={gatewayResults({ bucket: "failed" })} value={int(traffic.retries)} sub={`${int(traffic.attempts)} attempts`} />
        <Figure label="Final failures" testId="gateway-failures" href={gatewayResults({ bucket: "failed" })} value={int(traffic.failures)} sub={pct(traffic.requests ? traffic.failures / traffic.requests : null)} />
        <Figure label="Ejected nodes" testId="gateway-ejected" href={`/nodes?${new URLSearchParams({ health: "ejected", ...(poolId ? { poolId } : {}) })}`} value={int(ejected.total)} sub="held out by automatic health" />
      </dl>

      <div className="grid gap-4 lg:grid-cols-2">
        <div>
          <h3 className="mb-1 text-sm font-medium">Final failures by class and origin</h3>
          {traffic.failuresByClass.length === 0 ? (
            <p className="py-2 text-sm text-zinc-500">{traffic.requests ? `Every gateway request in this ${inRange ? "range" : "window"} ended well.` : `No gateway traffic in this ${inRange ? "range" : "window"}.`}</p>
          ) : (
            <table className="w-full text-sm" aria-label="Gateway final failures by class and origin" data-testid="gateway-failure-classes">
              <thead className="text-left text-xs text-zinc-500 uppercase">
                <tr>
                  <th className="py-1">class</th>
                  <th className="py-1">origin</th>
                  <th className="py-1 text-right">requests</th>
                </tr>
              </thead>
              <tbody>
                {traffic.failuresByClass.map((row) => (
                  <tr key={`${row.finalClass}|${row.origin}`} data-class={row.finalClass} data-origin={row.origin} className="border-t border-zinc-100 dark:border-zinc-800">
                    <td className="py-1.5" title={row.finalClass}>
                      {row.finalClass in FAULT_CLASSES ? (
                        <Link href={gatewayResults({ faultClass: row.finalClass })} className="text-blue-700 hover:underline dark:text-blue-400">
                          {classLabel(row.finalClass)}
                        </Link>
                      ) : (
                        classLabel(row.finalClass)
                      )}
                    </td>
                    <td className="py-1.5">{ORIGIN_LABEL[row.origin] ?? row.origin}</td>
                    <td className="py-1.5 text-right tabular-nums">{int(row.requests)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div>
          <h3 className="mb-1 text-sm font-medium">Ejected nodes</h3>
          {ejected.nodes.length === 0 ? (
            <p className="py-2 text-sm text-zinc-500">No node is held out by automatic health.</p>
          ) : (
            <ul className="space-y-1 text-sm" aria-label="Ejected nodes" data-testid="ejected-nodes">
              {ejected.nodes.map((node) => (
                <li key={node.id} data-id={node.id} className="flex flex-wrap items-baseline gap-x-2 border-t border-zinc-100 py-1 dark:border-zinc-800">
                  <Link href={`/nodes/${node.id}`} className="font-mono text-xs text-blue-700 hover:underline dark:text-blue-400">
                    {node.name}
                  </Link>
                  <span className="text-xs text-zinc-600 dark:text-zinc-400">{node.reason ?? "ejected"}</span>
                  <span className="text-xs text-zinc-500">
                    since <LocalTime at={node.since} />
                    {node.nextCheckAt ? (
                      <>
                        {" · re-test "}
                        <LocalTime at={node.nextCheckAt} />
                      </>
                    ) : null}
                  </span>
                  {node.gatewayFailures > 0 && (
                    <Link href={gatewayResults({ nodeId: node.id, bucket: "failed" })} className="ml-auto text-xs tabular-nums hover:underline">
                      {int(node.gatewayFailures)} failed gateway attempts
                    </Link>
                  )}
                </li>
              ))}
              {ejected.total > ejected.nodes.length && <li className="pt-1 text-xs text-zinc-500">and {int(ejected.total - ejected.nodes.length)} more</li>}
            </ul>
          )}
        </div>
      </div>
    </div>
  );
}

function Figure({ label, value, sub, href, testId, subTestId }: { label: string; value: string; sub: string; href: string; testId: string; subTestId?: string }) {
  return (
    <div className="rounded-md border border-zinc-100 p-2 dark:border-zinc-800">
      <dt className="text-xs text-zinc-500">
        <Link href={href} className="hover:underline">
          {label}
        </Link>
      </dt>
      <dd data-testid={testId} className="text-xl font-semibold tabular-nums">
        {value}
      </dd>
      <dd className="text-xs text-zinc-500 tabular-nums" data-testid={subTestId}>
        {sub}
      </dd>
    </div>
  );
}
