import { listTags } from "@/lib/nodes/data";
import { uiRoute } from "@/lib/http/ui-route";

export const GET = uiRoute("viewer", async () => listTags());
