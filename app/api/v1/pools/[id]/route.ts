import { deletePoolRoute, getPoolRoute, updatePoolRoute } from "@/lib/api/routes";

export const GET = getPoolRoute;
export const PATCH = updatePoolRoute;
export const DELETE = deletePoolRoute;
