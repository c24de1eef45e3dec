import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// No update checks: they resolve checkpoint.prisma.io through the machine's DNS, which we never use.
process.env.CHECKPOINT_DISABLE ??= "1";

// Prisma 6.19 with the WebAssembly schema engine: the only CLI set-up that migrates offline.
// `migrate deploy` and `migrate status` work; `migrate dev` and `db push` do not (see README).
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  // Short idle timeout: otherwise the idle pool keeps every CLI run (migrate deploy) alive for 10 s.
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL!, allowExitOnIdle: true, idleTimeoutMillis: 100 }),
});
