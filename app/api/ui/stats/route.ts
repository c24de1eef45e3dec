import { dashboardData } from "@/lib/stats/dashboard";
import { statsQuerySchema } from "@/lib/stats/windows";
import { searchParamsObject, uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute("viewer", async (request) => dashboardData(statsQuerySchema.parse(searchParamsObject(request))));
