import type { Metadata } from "next";
import { DiagnosisView } from "./diagnosis-view";

export const metadata: Metadata = { title: "Diagnose" };

export default async function DiagnosisPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <DiagnosisView id={id} />;
}
