import { deleteNodeRoute, getNodeRoute, updateNodeRoute } from "@/lib/api/routes";

export const GET = getNodeRoute;
export const PATCH = updateNodeRoute;
export const DELETE = deleteNodeRoute;
