import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/prisma";

describe("test database", () => {
  it("has the migrated schema", async () => {
    const rows = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`;
    expect(Number(rows[0].n)).toBeGreaterThan(0);
  });
});
