import { z } from "zod";
import { getDiagnosis } from "@/lib/diagnosis/data";
import { notFound, uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute<{ id: string }>("viewer", async (_request, { params }) => {
  const id = z.uuid().safeParse(params.id);
  return (id.success && (await getDiagnosis(id.data))) || notFound("No diagnosis with this id.");
});
