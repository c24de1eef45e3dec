/**
 * `npm run create-admin -- --email you@example.com --password-stdin`
 * Creates the first admin account without a browser (the CLI twin of /setup): reads the password
 * from stdin (e.g. `printf '%s' "$PW" | npm run create-admin -- --email … --password-stdin`).
 * Refuses when any account exists. Uses DATABASE_URL when set, otherwise the embedded PostgreSQL
 * in the data folder (connecting to it when `npm start` is already running, starting it otherwise).
 */
import { parseArgs } from "node:util";
import { dataDir } from "@/lib/config/data-dir";
import type { Database } from "@/lib/db/database";
import { runningEmbeddedDatabaseUrl } from "@/lib/db/embedded-postgres";

function fail(message: string): never {
  console.error(`create-admin: ${message}`);
  process.exit(1);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) console.error("Type the password, then press Enter and Ctrl-D:");
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

const { values } = parseArgs({
  options: { email: { type: "string" }, "password-stdin": { type: "boolean", default: false } },
  strict: true,
});
if (!values.email) fail("missing --email.");
if (!values["password-stdin"]) fail("pass the password on stdin with --password-stdin (never as an argument).");
const password = await readStdin();

let database: Database | undefined;
const runningUrl = process.env.DATABASE_URL ? null : runningEmbeddedDatabaseUrl(dataDir());
if (runningUrl) {
  // Switchyard is running on this data folder: connect to its embedded server (on whatever port it chose).
  process.env.DATABASE_URL = runningUrl;
} else {
  const { openDatabase } = await import("@/lib/db/database");
  database = await openDatabase({ migrate: true, log: (line) => console.error(line) });
}

const { createFirstAdmin, SetupClosedError } = await import("@/lib/auth/users");
const { UserInputError } = await import("@/lib/auth/validation");
const { prisma } = await import("@/lib/db/prisma");
let code = 0;
try {
  const { user } = await createFirstAdmin({ email: values.email, password }, { via: "create-admin CLI" });
  console.log(`Created admin ${user.email}. Sign in at /login.`);
  // The CLI does not hand out a browser session.
  await prisma.session.deleteMany({ where: { userId: user.id } });
} catch (error) {
  if (error instanceof SetupClosedError || error instanceof UserInputError) {
    console.error(`create-admin: ${error.message}`);
    code = 1;
  } else throw error;
} finally {
  await prisma.$disconnect();
  await database?.stop();
}
process.exit(code);
