import { createNodeRoute, listNodesRoute } from "@/lib/api/routes";

export const GET = listNodesRoute;
export const POST = createNodeRoute;
