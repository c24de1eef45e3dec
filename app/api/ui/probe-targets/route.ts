import { listProbeTargets } from "@/lib/probe/data";
import { uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute("viewer", async () => listProbeTargets());
