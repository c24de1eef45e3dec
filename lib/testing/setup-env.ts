import { inject } from "vitest";

// Every test worker talks to the run's throw-away database (see global-setup.ts).
process.env.DATABASE_URL = inject("databaseUrl");
process.env.SWITCHYARD_SECRET_KEY ??= Buffer.alloc(32, 7).toString("base64");
