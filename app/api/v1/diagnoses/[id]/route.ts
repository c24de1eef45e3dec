import { getDiagnosisRoute } from "@/lib/api/routes";

export const GET = getDiagnosisRoute;
