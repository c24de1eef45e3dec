// `npm run lab`: starts the fault lab on 127.0.0.1, prints what runs where, writes the manifest
// the product reads to register the lab as the "lab-demo" pool. Ctrl-C stops everything.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startFaultLab } from "@/lib/lab/fault-lab";

const portBase = process.env.SWITCHYARD_LAB_PORT_BASE ? Number(process.env.SWITCHYARD_LAB_PORT_BASE) : undefined;
if (portBase !== undefined && !(Number.isInteger(portBase) && portBase > 0 && portBase < 65_000))
  throw new Error(`SWITCHYARD_LAB_PORT_BASE must be a port number, got ${process.env.SWITCHYARD_LAB_PORT_BASE}`);
const manifestPath = path.resolve(process.env.SWITCHYARD_LAB_MANIFEST ?? ".data/lab.json");

const lab = await startFaultLab({ portBase });
const manifest = lab.manifest();
mkdirSync(path.dirname(manifestPath), { recursive: true });
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + "\n");

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
console.log("Ctrl-C to stop.");

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
