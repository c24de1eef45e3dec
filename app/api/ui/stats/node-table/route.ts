import { parseQuery, searchParamsObject, uiRoute } from "@/lib/http/ui-route";
import { healthTableQuerySchema, listNodesByHealth } from "@/lib/stats/node-table";

export const GET = uiRoute("viewer", async (request) => listNodesByHealth(parseQuery(healthTableQuerySchema, searchParamsObject(request))));
