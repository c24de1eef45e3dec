import type { Metadata } from "next";
import { Suspense } from "react";
import { NodesView } from "./nodes-view";

export const metadata: Metadata = { title: "Nodes" };

export default function NodesPage() {
  return (
    <Suspense>
      <NodesView />
    </Suspense>
  );
}
