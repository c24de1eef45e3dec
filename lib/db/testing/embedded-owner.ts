// Test fixture: a process that owns an embedded PostgreSQL, like `npm start` does, and waits to be
// killed. Usage: node --import tsx lib/db/testing/embedded-owner.ts <dataDir> <port>
import { startEmbeddedPostgres } from "../embedded-postgres";

const [dataDir, port] = process.argv.slice(2);
const database = await startEmbeddedPostgres({ dataDir, port: Number(port), throwAway: true });
// embedded-postgres hooks SIGINT/SIGTERM to stop the server; only SIGKILL skips every hook.
process.stdout.write(`ready ${database.url}\n`);
setInterval(() => undefined, 60_000);
