import { NextResponse } from "next/server";
import { readDatabaseHealth } from "@/lib/db/health";

// Unauthenticated on purpose (load balancers and uptime checks); reveals no data, only readiness.
export async function GET() {
  const health = await readDatabaseHealth();
  return NextResponse.json(health, { status: health.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}
