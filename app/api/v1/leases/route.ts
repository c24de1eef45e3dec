import { leaseRoute } from "@/lib/api/routes";

// Normally answered by the gateway fast path in lib/server/web-server.ts; this is the fallback.
export const POST = leaseRoute;
