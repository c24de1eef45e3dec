// Test support: one gateway instance in its own OS process (as a second web instance would run it),
// listening on a free 127.0.0.1 port it prints as "listening <port>". Stops on SIGTERM.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Gateway } from "@/lib/gateway/gateway";

const gateway = new Gateway({ connectionString: process.env.DATABASE_URL! });
await gateway.start();
const server = createServer(async (req, res) => {
  if (!(await gateway.fastPath(req, res))) res.writeHead(404).end();
});
server.listen(0, "127.0.0.1", () => console.log(`listening ${(server.address() as AddressInfo).port}`));
process.on("SIGTERM", () => {
  server.close();
  void gateway.close().then(() => process.exit(0));
});
