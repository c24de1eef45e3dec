import type { Metadata } from "next";
import { z } from "zod";
import { getCurrentActor } from "@/lib/auth/actor";
import { getNode } from "@/lib/nodes/data";
import { formatHostPort } from "@/lib/nodes/proxy-address";
import { NodeDetailView } from "./node-detail-view";

/** The tab says which node: its label, else its address (only for a signed-in visitor). */
export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  if (!z.uuid().safeParse(id).success || !(await getCurrentActor())) return { title: "Node" };
  const node = await getNode(id);
  return { title: node ? node.label || `${node.scheme}://${formatHostPort(node.host, node.port)}` : "Node not found" };
}

export default async function NodePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <NodeDetailView id={id} />;
}
