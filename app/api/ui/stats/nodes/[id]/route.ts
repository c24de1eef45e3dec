import { z } from "zod";
import { prisma } from "@/lib/db/prisma";
import { notFound, parseQuery, searchParamsObject, uiRoute } from "@/lib/http/ui-route";
import { nodePanelData } from "@/lib/stats/node-panel";
import { statsQuerySchema } from "@/lib/stats/windows";

export const GET = uiRoute<{ id: string }>("viewer", async (request, { params }) => {
  const id = z.uuid().safeParse(params.id);
  if (!id.success) return notFound("No such node.");
  const node = await prisma.proxyNode.findUnique({ where: { id: id.data }, select: { rotationUrl: true } });
  if (!node) return notFound("No such node.");
  const { window } = parseQuery(statsQuerySchema, searchParamsObject(request));
  return nodePanelData(id.data, window, node.rotationUrl);
});
