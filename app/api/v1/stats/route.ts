import { statsRoute } from "@/lib/api/routes";

export const GET = statsRoute;
