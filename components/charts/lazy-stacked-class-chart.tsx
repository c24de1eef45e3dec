"use client";

import dynamic from "next/dynamic";
import type { ComponentProps } from "react";
import type { StackedClassChart } from "./stacked-class-chart";

const Chart = dynamic(() => import("./stacked-class-chart").then((module) => module.StackedClassChart), { ssr: false });

/**
 * The stacked chart, loaded apart from the page's own scripts and drawn in the browser only
 * (recharts is the largest chunk, and it measures its container, which a server render cannot):
 * the page's figures paint without waiting for it, and its space is held so nothing moves.
 */
export function LazyStackedClassChart(props: ComponentProps<typeof StackedClassChart>) {
  return (
    <div style={{ minHeight: props.height ?? 260 }}>
      <Chart {...props} />
    </div>
  );
}
