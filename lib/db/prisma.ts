import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";

// One client per process: Next.js dev reloads and test files would otherwise each open a pool.
const globalForPrisma = globalThis as unknown as { switchyardPrisma?: PrismaClient };

function createPrismaClient(): PrismaClient {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set (the start script sets it for the embedded database).");
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max: Number(process.env.SWITCHYARD_DB_POOL_SIZE ?? 10) }) });
}

export const prisma: PrismaClient = (globalForPrisma.switchyardPrisma ??= createPrismaClient());
