import type { Metadata } from "next";
import { TargetsView } from "./targets-view";

export const metadata: Metadata = { title: "Probe targets" };

export default function TargetsPage() {
  return <TargetsView />;
}
