import { dashboardData } from "@/lib/stats/dashboard";
import { statsQuerySchema } from "@/lib/stats/windows";
import { parseQuery, searchParamsObject, uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute("viewer", async (request) => dashboardData(parseQuery(statsQuerySchema, searchParamsObject(request))));
