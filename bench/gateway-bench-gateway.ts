/**
 * Child process of bench/gateway-bench.ts: the forward-proxy gateway as the gateway role runs it
 * (checkout index, retries, attempt recording into PostgreSQL), alone in its process so its CPU
 * time per request is process.cpuUsage() of this process. Answers "cpu" with its CPU time and
 * the recorder's totals; "stop" closes it (recording flushed).
 */
import { Gateway } from "@/lib/gateway/gateway";
import { ProxyGateway } from "@/lib/proxy-gateway/proxy-gateway";

const gateway = new Gateway({ connectionString: process.env.DATABASE_URL!, ratePerKeyPerSecond: 10_000_000 });
await gateway.start();
// BENCH_GATEWAY_FAST_PATH=0: the node:http path for every request (the bench's comparison side).
const proxyGateway = new ProxyGateway({ gateway, host: "127.0.0.1", port: 0, plainFastPath: process.env.BENCH_GATEWAY_FAST_PATH !== "0", log: (line) => console.error(line) });
const { port } = await proxyGateway.start();
process.send!({ port });
process.on("message", (message) => {
  if (message === "cpu") process.send!({ cpu: process.cpuUsage(), totals: { ...proxyGateway.recorder.totals } });
  if (message === "stop")
    void (async () => {
      await proxyGateway.close();
      await gateway.close();
      process.send!({ stopped: true });
      process.exit(0);
    })();
});
process.on("disconnect", () => process.exit(0));
