import { listResults } from "@/lib/stats/result-list";
import { resultListQuerySchema } from "@/lib/stats/result-list-schema";
import { resultsCsv } from "@/lib/stats/results-csv";
import { searchParamsObject, uiRoute } from "@/lib/http/ui-route";
import { NextResponse } from "next/server";

/** GET /api/ui/results?… → the filtered results (JSON), or `format=csv` for a download of up to 10,000 rows. */
export const GET = uiRoute("viewer", async (request) => {
  const { format, ...rest } = searchParamsObject(request);
  const parsed = resultListQuerySchema.safeParse(format === "csv" ? { ...rest, limit: "10000" } : rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return NextResponse.json({ error: { code: "bad_request", message: `${issue.path.join(".") || "query"}: ${issue.message}` } }, { status: 400 });
  }
  const list = await listResults(parsed.data);
  if (format !== "csv") return list;
  return new Response(resultsCsv(list.rows), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="switchyard-results-${list.from.slice(0, 16).replace(/[^0-9T]/g, "")}.csv"`,
      "cache-control": "no-store",
    },
  });
});
