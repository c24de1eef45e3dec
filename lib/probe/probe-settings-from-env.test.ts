import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultLab, type FaultLab } from "@/lib/lab/fault-lab";
import { TARGET_PATHS } from "@/lib/lab/target-server";
import { runProbeJobs } from "./probe-runner";
import type { ProbeAttempt } from "./probe-check";
import { productProbeOptions } from "./probe-settings-from-env";

let lab: FaultLab;
let dir: string;
const previous = process.env.SWITCHYARD_EXTRA_CA_FILE;
beforeAll(async () => {
  lab = await startFaultLab({ proxies: [{ name: "http-healthy", kind: "http" }] });
  dir = mkdtempSync(path.join(tmpdir(), "switchyard-ca-"));
  process.env.SWITCHYARD_EXTRA_CA_FILE = path.join(dir, "lab-ca.pem");
});
afterAll(async () => {
  if (previous === undefined) delete process.env.SWITCHYARD_EXTRA_CA_FILE;
  else process.env.SWITCHYARD_EXTRA_CA_FILE = previous;
  rmSync(dir, { recursive: true, force: true });
  await lab?.close();
});

describe("productProbeOptions", () => {
  it("trusts a CA file that appears after the options were made, from the next check on", async () => {
    const { check } = productProbeOptions();
    const job = () => ({
      node: { id: "n", scheme: "http" as const, host: "127.0.0.1", port: lab.proxy("http-healthy").port },
      target: { url: `${lab.httpsTarget.baseUrl}${TARGET_PATHS.ok}` },
    });
    const probe = async () => {
      const attempts: ProbeAttempt[] = [];
      await runProbeJobs([job()], { check, onResult: (a) => void attempts.push(a) });
      return attempts[0].faultClass;
    };
    expect(await probe()).toBe("tls_error");
    writeFileSync(process.env.SWITCHYARD_EXTRA_CA_FILE!, lab.manifest().certPem);
    expect(await probe()).toBe("ok");
  });
});
