import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { registerPgPool } from "./pg-pool-registry";
import { PrismaClient } from "@/generated/prisma/client";

// One client per process: Next.js dev reloads and test files would otherwise each open a pool.
const globalForPrisma = globalThis as unknown as { switchyardPrisma?: PrismaClient };

function prismaClient(): PrismaClient {
  if (globalForPrisma.switchyardPrisma) return globalForPrisma.switchyardPrisma;
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set (npm start sets it for the embedded database).");
  const max = Number(process.env.SWITCHYARD_DB_POOL_SIZE ?? 10);
  // Our own pg.Pool (not a config) so /metrics can report its use. A connection attempt to a hung
  // database gives up after 5 s: the request answers 503, never hangs.
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 5_000 });
  // An idle connection the server dropped (restart, outage) is replaced on the next query; without
  // this listener the pool's "error" event would end the process.
  pool.on("error", () => undefined);
  registerPgPool("prisma", pool);
  return (globalForPrisma.switchyardPrisma = new PrismaClient({ adapter: new PrismaPg(pool) }));
}

/**
 * Created on first use, not at import: `next build` imports route modules without a database,
 * and the start script sets DATABASE_URL only after the embedded server is up.
 */
export const prisma: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, property) {
    const client = prismaClient();
    const value = Reflect.get(client, property, client);
    return typeof value === "function" ? value.bind(client) : value;
  },
});
