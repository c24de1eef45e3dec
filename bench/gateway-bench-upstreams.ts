/**
 * Child process of bench/gateway-bench.ts: the lab's HTTP and HTTPS targets (and, with
 * BENCH_UPSTREAM=lab, the lab's own Node proxies as the upstreams), in a process of their own so
 * neither the load generator nor the gateway shares their event loop. Tells the parent the ports
 * and the targets' certificate over IPC; exits when the parent says "stop" or goes away.
 */
import { startFaultLab } from "@/lib/lab/fault-lab";
import { labCertificate } from "@/lib/lab/self-signed-cert";
import { startTargetServer } from "@/lib/lab/target-server";

const labProxies = Number(process.env.BENCH_LAB_PROXIES ?? 0);
let close: () => Promise<unknown>;
if (labProxies > 0) {
  const lab = await startFaultLab({ proxies: Array.from({ length: labProxies }, (_, i) => ({ name: `up-${i}`, kind: "http" as const })) });
  process.send!({ http: lab.httpTarget.baseUrl, https: lab.httpsTarget.baseUrl, proxyPorts: lab.proxies.map((p) => p.port), certPem: lab.manifest().certPem });
  close = () => lab.close();
} else {
  const [http, https] = await Promise.all([startTargetServer("http"), startTargetServer("https")]);
  process.send!({ http: http.baseUrl, https: https.baseUrl, proxyPorts: [], certPem: labCertificate().certPem });
  close = () => Promise.all([http.close(), https.close()]);
}
const stop = () => void close().finally(() => process.exit(0));
process.on("message", (message) => message === "stop" && stop());
process.on("disconnect", stop);
