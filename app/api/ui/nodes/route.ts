import { listNodesWithHealth } from "@/lib/stats/node-table";
import { nodeListQuerySchema } from "@/lib/nodes/schema";
import { parseQuery, searchParamsObject, uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute("viewer", async (request) => listNodesWithHealth(parseQuery(nodeListQuerySchema, searchParamsObject(request))));
