import { createPoolRoute, listPoolsRoute } from "@/lib/api/routes";

export const GET = listPoolsRoute;
export const POST = createPoolRoute;
