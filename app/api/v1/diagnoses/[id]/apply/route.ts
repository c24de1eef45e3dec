import { applyDiagnosisActionRoute } from "@/lib/api/routes";

export const POST = applyDiagnosisActionRoute;
