import { listAlertIncidentsRoute } from "@/lib/api/routes";

export const GET = listAlertIncidentsRoute;
