import { changeNodeStateRoute } from "@/lib/api/routes";

export const POST = changeNodeStateRoute;
