import { createAlertRuleRoute, listAlertRulesRoute } from "@/lib/api/routes";

export const GET = listAlertRulesRoute;
export const POST = createAlertRuleRoute;
