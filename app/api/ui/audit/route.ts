import { auditQuerySchema, listAuditEvents } from "@/lib/audit/data";
import { parseQuery, searchParamsObject, uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute("viewer", async (request) => listAuditEvents(parseQuery(auditQuerySchema, searchParamsObject(request))));
