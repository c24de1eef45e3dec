import { z } from "zod";
import { getNode } from "@/lib/nodes/data";
import { notFound, uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute<{ id: string }>("viewer", async (_request, { params }) => {
  const id = z.uuid().safeParse(params.id);
  const node = id.success ? await getNode(id.data) : null;
  return node ?? notFound("No node with this id.");
});
