import { listResults } from "@/lib/stats/result-list";
import { resultListQuerySchema } from "@/lib/stats/result-list-schema";
import { resultsCsv } from "@/lib/stats/results-csv";
import { parseQuery, searchParamsObject, uiRoute } from "@/lib/http/ui-route";

/** GET /api/ui/results?… → the filtered results (JSON), or `format=csv` for a download of up to 10,000 rows. */
export const GET = uiRoute("viewer", async (request) => {
  const { format, ...rest } = searchParamsObject(request);
  const list = await listResults(parseQuery(resultListQuerySchema, format === "csv" ? { ...rest, limit: "10000" } : rest));
  if (format !== "csv") return list;
  return new Response(resultsCsv(list.rows), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="switchyard-results-${list.from.slice(0, 16).replace(/[^0-9T]/g, "")}.csv"`,
      "cache-control": "no-store",
    },
  });
});
