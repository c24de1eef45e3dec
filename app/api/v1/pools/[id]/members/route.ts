import { poolMembersRoute } from "@/lib/api/routes";

export const POST = poolMembersRoute;
