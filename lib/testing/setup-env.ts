import { inject } from "vitest";

// Every test worker talks to the run's throw-away database (see global-setup.ts).
process.env.DATABASE_URL = inject("databaseUrl");
process.env.SWITCHYARD_TEST_PORT_REGISTRY = inject("portRegistry"); // lab ports handed out once per run (lib/net/free-port.ts)
process.env.SWITCHYARD_SECRET_KEY ??= Buffer.alloc(32, 7).toString("base64");
process.env.SWITCHYARD_ALLOW_PRIVATE_TARGETS ??= "1"; // tests probe 127.0.0.1 labs and 10.x addresses (lib/security/address-policy.ts)
