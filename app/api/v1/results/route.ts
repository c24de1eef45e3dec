import { reportResultsRoute } from "@/lib/api/routes";

export const POST = reportResultsRoute;
