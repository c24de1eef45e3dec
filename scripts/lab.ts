// `npm run lab`: starts the fault lab on 127.0.0.1, prints what runs where, writes the manifest
// the product reads to register the lab as the "lab-demo" pool. Ctrl-C stops everything.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startFaultLab } from "@/lib/lab/fault-lab";
import { dataDir } from "@/lib/config/data-dir";

const portBase = process.env.SWITCHYARD_LAB_PORT_BASE ? Number(process.env.SWITCHYARD_LAB_PORT_BASE) : undefined;
if (portBase !== undefined && !(Number.isInteger(portBase) && portBase > 0 && portBase < 65_000))
  throw new Error(`SWITCHYARD_LAB_PORT_BASE must be a port number, got ${process.env.SWITCHYARD_LAB_PORT_BASE}`);
const manifestPath = path.resolve(process.env.SWITCHYARD_LAB_MANIFEST ?? path.join(dataDir(), "lab.json"));
const register = process.argv.includes("--register");

const lab = await startFaultLab({ portBase });
const manifest = lab.manifest();
mkdirSync(path.dirname(manifestPath), { recursive: true });
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
// The product trusts this certificate for probes (lib/probe/probe-settings-from-env.ts), so the
// demo's HTTPS target verifies like a real one instead of failing with tls_error.
writeFileSync(path.join(path.dirname(manifestPath), "lab-ca.pem"), manifest.certPem);

const rows: string[][] = [
  ["name", "kind", "behaviour", "url", "exit IP"],
  ["target-http", "target", "ok, /ip, /slow-*, /status/N, /blocked/*, /captcha, /reset, /invalid", manifest.targets.http, ""],
  ["target-https", "target", "same paths, self-signed TLS", manifest.targets.https, ""],
  ["target-down", "target", "nothing listens", manifest.targets.closedPort, ""],
  ...manifest.proxies.map((p) => [
    p.name,
    `${p.kind} proxy`,
    p.behaviourText + (p.username ? ` (auth ${p.username}:${p.password})` : ""),
    p.url,
    p.exitIp,
  ]),
  ["control", "control", "/state /rotate?proxy= /down?proxy= /up?proxy=", manifest.controlUrl, ""],
];
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const [i, row] of rows.entries()) {
  console.log(row.map((cell, j) => cell.padEnd(widths[j])).join("  ").trimEnd());
  if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}
console.log(`\nmanifest: ${manifestPath}\nlab names: *.lab.test → 127.0.0.1 (inside lab proxies only); blackhole.lab.test never resolves`);
if (register) await registerDemoPool();
else console.log("Run with --register (npm run lab -- --register) while npm start runs to add these proxies as the demo pool.");
console.log("Ctrl-C to stop.");

/** Writes the lab into the product's database: DATABASE_URL, or the embedded one of a running `npm start`. */
async function registerDemoPool() {
  if (!process.env.DATABASE_URL) {
    // The port is the one the running server recorded (SWITCHYARD_PG_PORT=auto picks a new one each start).
    const { runningEmbeddedDatabaseUrl } = await import("@/lib/db/embedded-postgres");
    const url = runningEmbeddedDatabaseUrl(dataDir());
    if (!url) throw new Error(`No Switchyard database is running on ${dataDir()}: start the product (npm start) or set DATABASE_URL.`);
    process.env.DATABASE_URL = url;
  }
  const { registerLabAsDemoPool } = await import("@/lib/lab/demo-pool");
  const { sealSecret } = await import("@/lib/secrets/secret-box");
  const registered = await registerLabAsDemoPool(manifest, { sealPassword: sealSecret });
  console.log(`\nregistered ${registered.nodeIds.length} lab proxies in pool "lab-demo" (probed every 60 s), ${registered.targetIds.length} targets` +
    (registered.removedNodes ? `, removed ${registered.removedNodes} from an earlier lab run` : ""));
}

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the lab...`);
  await lab.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
