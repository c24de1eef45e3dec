import { checkoutRoute } from "@/lib/api/routes";

// Normally answered by the gateway fast path in lib/server/web-server.ts; this is the fallback.
// Next names the segment [id] (siblings must share a slug); the endpoint calls it {pool}: id or name.
export async function GET(request: Request, context: { params: Promise<{ id: string }> }) {
  return checkoutRoute(request, { params: context.params.then((params) => ({ pool: params.id })) });
}
