import { deleteAlertRuleRoute } from "@/lib/api/routes";

export const DELETE = deleteAlertRuleRoute;
