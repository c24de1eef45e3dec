import { testAlertChannelRoute } from "@/lib/api/routes";

export const POST = testAlertChannelRoute;
