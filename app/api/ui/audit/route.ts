import { auditQuerySchema, listAuditEvents } from "@/lib/audit/data";
import { searchParamsObject, uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute("viewer", async (request) => listAuditEvents(auditQuerySchema.parse(searchParamsObject(request))));
