import { importNodesRoute } from "@/lib/api/routes";

export const POST = importNodesRoute;
