import { listNodes } from "@/lib/nodes/data";
import { nodeListQuerySchema } from "@/lib/nodes/schema";
import { searchParamsObject, uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute("viewer", async (request) => listNodes(nodeListQuerySchema.parse(searchParamsObject(request))));
