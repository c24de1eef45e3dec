import { NextResponse } from "next/server";
import { readDatabaseHealth } from "@/lib/db/health";
import { OUTAGE_RETRY_AFTER_SECONDS } from "@/lib/db/database-outage";

// Unauthenticated on purpose (load balancers and uptime checks); reveals no data, only readiness.
export async function GET() {
  const health = await readDatabaseHealth();
  const retry: Record<string, string> = health.database === "unreachable" ? { "retry-after": String(OUTAGE_RETRY_AFTER_SECONDS) } : {};
  return NextResponse.json(health, { status: health.ok ? 200 : 503, headers: { "cache-control": "no-store", ...retry } });
}
