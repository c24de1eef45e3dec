import { z } from "zod";
import { listNodeTargetExclusions } from "@/lib/probe/data";
import { notFound, uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute<{ id: string }>("viewer", async (_request, { params }) => {
  const id = z.uuid().safeParse(params.id);
  return id.success ? listNodeTargetExclusions(id.data) : notFound("No node with this id.");
});
