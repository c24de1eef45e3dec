import { leaseResultRoute } from "@/lib/api/routes";

export const POST = leaseResultRoute;
