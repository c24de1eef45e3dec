import { z } from "zod";
import { getProbeRun } from "@/lib/probe/probe-runs";
import { notFound, uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute<{ id: string }>("viewer", async (_request, { params }) => {
  const id = z.uuid().safeParse(params.id);
  return (id.success && (await getProbeRun(id.data))) || notFound("No probe run with this id.");
});
