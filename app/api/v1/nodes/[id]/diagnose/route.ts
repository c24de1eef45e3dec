import { diagnoseNodeRoute } from "@/lib/api/routes";

export const POST = diagnoseNodeRoute;
