import { openApiRoute } from "@/lib/api/routes";

export const GET = openApiRoute;
