import { prisma } from "@/lib/db/prisma";

/**
 * Target rows for traffic the scheduler did not plan (caller-reported results, the forward-proxy
 * gateway's attempts): found by URL, or created with `name`; an existing row keeps its name.
 * Parameters: $1 url, $2 name. Returns the row's id. Plain SQL text, so the gateway can run it on
 * its own pg connection.
 */
export const RECORDED_TARGET_SQL = `INSERT INTO "ProbeTarget" ("id", "url", "name") VALUES (gen_random_uuid(), $1, $2)
  ON CONFLICT ("url") DO UPDATE SET "url" = EXCLUDED."url" RETURNING "id"::text AS id`;

export async function recordedTargetId(url: string, name: string): Promise<string> {
  const [row] = await prisma.$queryRawUnsafe<Array<{ id: string }>>(RECORDED_TARGET_SQL, url, name);
  return row.id;
}
