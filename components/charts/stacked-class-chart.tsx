"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { FaultClass } from "@/lib/probe/fault-taxonomy";
import { classColor } from "./class-colors";

export interface StackedPoint {
  t: string;
  counts: Partial<Record<FaultClass, number>>;
}

/**
 * Results per time step, stacked by fault class (bars: counts per step). Axis text uses currentColor and the tooltip the
 * page's own colours, so it reads in light and dark themes.
 */
export function StackedClassChart({ points, classes, stepSeconds, height = 260, label }: { points: StackedPoint[]; classes: FaultClass[]; stepSeconds: number; height?: number; label: string }) {
  const data = points.map((p) => ({ t: new Date(p.t).getTime(), ...p.counts }));
  const format = (t: number) => {
    const d = new Date(t);
    return stepSeconds >= 3600 ? d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit" }) : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  };
  // ok at the bottom, failures stacked on top where the eye is.
  const order = [...classes].sort((a, b) => (a === "ok" ? -1 : b === "ok" ? 1 : a.localeCompare(b)));
  return (
    <figure aria-label={label} className="text-zinc-500 dark:text-zinc-400" data-testid="stacked-class-chart">
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} barCategoryGap={1}>
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
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
