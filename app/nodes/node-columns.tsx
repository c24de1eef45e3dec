"use client";

import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import type { ReactNode } from "react";
import { NodeStateBadge } from "@/components/node-state-badge";
import { FaultClassBadge } from "@/components/fault-class-badge";
import { HealthBadge } from "@/components/charts/health-badge";
import { LocalTime } from "@/components/local-time";
import { ms, pct } from "@/components/charts/format";
import { formatHostPort } from "@/lib/nodes/proxy-address";
import type { NodeTableRow as NodeRow } from "@/lib/stats/node-table";
import { FAULT_CLASSES, type FaultClass } from "@/lib/probe/fault-taxonomy";

/**
 * essential: always shown, also on a phone; standard: shown from tablet width unless the operator
 * hides it; extra: hidden until picked. The defaults fit 1440 px without horizontal scrolling.
 */
export type ColumnPriority = "essential" | "standard" | "extra";
export interface NodeColumnMeta {
  priority: ColumnPriority;
  /** The header's explanation (title), e.g. what the health column means. */
  help?: string;
}

/** How an operator names a node in messages: its label, else its address. */
export function nodeName(row: Pick<NodeRow, "label" | "scheme" | "host" | "port">): string {
  return row.label || `${row.scheme}://${formatHostPort(row.host, row.port)}`;
}

export function nodeColumns({
  isSelected,
  onToggle,
  onTag,
  healthHelp,
}: {
  isSelected: (id: string) => boolean;
  onToggle: (id: string, checked: boolean) => void;
  onTag: (tag: string) => void;
  healthHelp: string;
}): ColumnDef<NodeRow>[] {
  const meta = (priority: ColumnPriority, help?: string): NodeColumnMeta => ({ priority, help });
  return [
    {
      id: "select",
      enableSorting: false,
      header: () => null,
      meta: meta("essential"),
      cell: ({ row }) => (
        <input
          type="checkbox"
          aria-label={`Select ${formatHostPort(row.original.host, row.original.port)}`}
          checked={isSelected(row.original.id)}
          onChange={(event) => onToggle(row.original.id, event.target.checked)}
        />
      ),
    },
    {
      id: "host",
      header: "Address",
      meta: meta("essential"),
      cell: ({ row }) => (
        <Link href={`/nodes/${row.original.id}`} className="font-mono break-all text-blue-700 hover:underline dark:text-blue-400">
          {row.original.scheme}://{row.original.usernameMasked ? `${row.original.usernameMasked}${row.original.hasPassword ? ":****" : ""}@` : ""}
          {formatHostPort(row.original.host, row.original.port)}
        </Link>
      ),
    },
    { id: "label", header: "Label", meta: meta("standard"), cell: ({ row }) => row.original.label || <Dash /> },
    {
      id: "state",
      header: "State",
      meta: meta("essential"),
      cell: ({ row }) => (
        <NodeStateBadge state={row.original.state} title={row.original.stateReason ? `${row.original.stateReason} (${row.original.stateChangedBy ?? "unknown"})` : undefined} />
      ),
    },
    {
      id: "pools",
      header: "Pools",
      enableSorting: false,
      meta: meta("standard"),
      cell: ({ row }) => row.original.pools.map((pool) => pool.name).join(", ") || <Dash />,
    },
    {
      id: "tags",
      header: "Tags",
      enableSorting: false,
      meta: meta("extra"),
      cell: ({ row }) => (
        <span className="flex flex-wrap gap-1">
          {row.original.tags.map((tag) => (
            <button key={tag} type="button" onClick={() => onTag(tag)} className="rounded bg-zinc-100 px-1.5 text-xs hover:bg-zinc-200 dark:bg-zinc-800">
              {tag}
            </button>
          ))}
        </span>
      ),
    },
    {
      id: "health",
      header: "Health",
      enableSorting: false,
      meta: meta("standard", healthHelp),
      cell: ({ row }) => <HealthBadge health={row.original.health?.health ?? null} rule={row.original.health?.rule} />,
    },
    {
      id: "lastResult",
      header: "Last result",
      enableSorting: false,
      meta: meta("essential"),
      cell: ({ row }) => {
        const last = row.original.health?.lastResult;
        if (!last) return <Dash />;
        const spec = FAULT_CLASSES[last.faultClass as FaultClass];
        return (
          <span className="inline-flex flex-wrap items-center gap-1" data-testid="last-result">
            <FaultClassBadge faultClass={last.faultClass} bucket={spec?.bucket ?? "other_failure"} title={last.reason} />
            <span className="text-xs text-zinc-500">
              <LocalTime at={last.at} />
            </span>
          </span>
        );
      },
    },
    { id: "successRate", header: "OK 1h", meta: meta("standard", "Share of results in the last hour that were ok"), cell: ({ row }) => <Num>{pct(row.original.health?.successRate, 0)}</Num> },
    { id: "rate502", header: "502", meta: meta("standard", "502-class share, last hour"), cell: ({ row }) => <Num>{pct(row.original.health?.rate502, 0)}</Num> },
    { id: "rate504", header: "504", meta: meta("standard", "504-class share, last hour"), cell: ({ row }) => <Num>{pct(row.original.health?.rate504, 0)}</Num> },
    { id: "p95", header: "p95", enableSorting: false, meta: meta("standard", "95th percentile latency, last hour"), cell: ({ row }) => <Num>{ms(row.original.health?.p95Ms)}</Num> },
    {
      id: "exitIp",
      header: "Exit IP",
      enableSorting: false,
      meta: meta("extra"),
      cell: ({ row }) => (
        <span className="font-mono text-xs" data-testid="exit-ip">
          {row.original.health?.exitIp ?? "—"}
        </span>
      ),
    },
    {
      id: "stateChangedAt",
      header: "Last change",
      enableSorting: false,
      meta: meta("extra"),
      cell: ({ row }) =>
        row.original.stateChangedAt ? (
          <span className="text-xs whitespace-nowrap text-zinc-500" title={row.original.stateChangedBy ?? undefined}>
            <LocalTime at={row.original.stateChangedAt} style="datetime" />
          </span>
        ) : (
          <Dash />
        ),
    },
    {
      id: "createdAt",
      header: "Added",
      meta: meta("extra"),
      cell: ({ row }) => (
        <span className="text-xs whitespace-nowrap">
          <LocalTime at={row.original.createdAt} style="datetime" />
        </span>
      ),
    },
  ];
}

function Dash() {
  return <span className="text-zinc-400">—</span>;
}

function Num({ children }: { children: ReactNode }) {
  return <span className="whitespace-nowrap tabular-nums">{children}</span>;
}
