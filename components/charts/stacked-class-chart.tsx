"use client";

import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { FaultClass } from "@/lib/probe/fault-taxonomy";
import { classColor } from "./class-colors";

export interface StackedPoint {
  t: string;
  counts: Partial<Record<FaultClass, number>>;
}

/** A mark on the time axis (an operator action); `t` is any instant inside a step. */
export interface ChartAnnotation {
  t: string;
  label: string;
}

interface Interactions {
  /** A click on a bar: the step's start (epoch ms). */
  onStepClick?: (stepStart: number) => void;
  /** A drag across steps: first and last step start (epoch ms). */
  onRangeSelect?: (from: number, to: number) => void;
  annotations?: ChartAnnotation[];
}

/**
 * Results per time step, stacked by fault class (bars: counts per step). Axis text uses currentColor and the tooltip the
 * page's own colours, so it reads in light and dark themes. With handlers: click a bar to open its
 * results, drag across bars to zoom; annotations are dashed vertical lines at their step.
 */
export function StackedClassChart({
  points,
  classes,
  stepSeconds,
  height = 260,
  label,
  onStepClick,
  onRangeSelect,
  annotations = [],
}: { points: StackedPoint[]; classes: FaultClass[]; stepSeconds: number; height?: number; label: string } & Interactions) {
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);
  const stepMs = stepSeconds * 1000;
  const data = points.map((p) => ({ t: new Date(p.t).getTime(), ...p.counts }));
  const format = (t: number) => {
    const d = new Date(t);
    return stepSeconds >= 3600 ? d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit" }) : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  };
  // ok at the bottom, failures stacked on top where the eye is.
  const order = [...classes].sort((a, b) => (a === "ok" ? -1 : b === "ok" ? 1 : a.localeCompare(b)));
  const steps = new Set(data.map((p) => p.t));
  // Several actions in one step share one line, labelled with the count.
  const marks = new Map<number, string[]>();
  for (const a of annotations) {
    const step = Math.floor(new Date(a.t).getTime() / stepMs) * stepMs;
    if (steps.has(step)) marks.set(step, [...(marks.get(step) ?? []), a.label]);
  }
  const stepAt = (state: { activeLabel?: unknown; activeTooltipIndex?: unknown } | null | undefined): number | null => {
    const index = Number(state?.activeTooltipIndex);
    if (Number.isInteger(index) && data[index]) return data[index].t;
    const t = Number(state?.activeLabel);
    return Number.isFinite(t) && steps.has(t) ? t : null;
  };
  const interactive = Boolean(onStepClick || onRangeSelect);
  return (
    <figure aria-label={label} className="text-zinc-500 select-none dark:text-zinc-400" data-testid="stacked-class-chart">
      <ResponsiveContainer width="100%" height={height}>
        <BarChart
          data={data}
          margin={{ top: 14, right: 8, bottom: 0, left: 0 }}
          barCategoryGap={1}
          style={interactive ? { cursor: "pointer" } : undefined}
          onMouseDown={(state) => {
            const t = stepAt(state);
            if (t !== null && interactive) setDrag({ from: t, to: t });
          }}
          onMouseMove={(state) => {
            const t = stepAt(state);
            if (drag && t !== null && t !== drag.to) setDrag({ ...drag, to: t });
          }}
          onMouseUp={() => {
            if (!drag) return;
            const [from, to] = drag.from <= drag.to ? [drag.from, drag.to] : [drag.to, drag.from];
            setDrag(null);
            if (from === to) onStepClick?.(from);
            else onRangeSelect?.(from, to);
          }}
          onMouseLeave={() => setDrag(null)}
        >
          <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} />
          <XAxis dataKey="t" tickFormatter={format} stroke="currentColor" fontSize={11} minTickGap={24} />
          <YAxis allowDecimals={false} stroke="currentColor" fontSize={11} width={44} />
          <Tooltip
            labelFormatter={(t) => new Date(Number(t)).toLocaleString()}
            cursor={{ fill: "currentColor", fillOpacity: 0.08 }}
            contentStyle={{ background: "var(--chart-tooltip-bg, #fff)", border: "1px solid #a1a1aa55", borderRadius: 6, fontSize: 12 }}
          />
          <Legend wrapperStyle={{ fontSize: 11 }} />
          {order.map((cls) => (
            <Bar key={cls} dataKey={cls} name={cls} stackId="1" fill={classColor(cls)} isAnimationActive={false} />
          ))}
          {[...marks].map(([t, labels]) => (
            <ReferenceLine
              key={t}
              x={t}
              stroke="#7c3aed"
              strokeDasharray="4 2"
              label={{ value: labels.length > 1 ? `${labels.length} actions` : "action", position: "top", fontSize: 10, fill: "#7c3aed" }}
            />
          ))}
          {drag && drag.from !== drag.to && <ReferenceArea x1={drag.from} x2={drag.to} fill="#3b82f6" fillOpacity={0.15} />}
        </BarChart>
      </ResponsiveContainer>
      {marks.size > 0 && (
        <figcaption className="mt-1 space-y-0.5 text-xs" data-testid="chart-annotations">
          {[...marks].map(([t, labels]) => (
            <div key={t}>
              <span className="text-violet-700 dark:text-violet-400">{format(t)}</span> {labels.join(" · ")}
            </div>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
