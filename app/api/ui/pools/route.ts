import { listPools } from "@/lib/pools/data";
import { uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute("viewer", async () => listPools());
