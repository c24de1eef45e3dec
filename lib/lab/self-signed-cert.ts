import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface LabCertificate {
  certPem: string;
  keyPem: string;
}

let cached: LabCertificate | undefined;

/**
 * A fresh self-signed certificate for 127.0.0.1 and *.lab.test, made with the openssl CLI
 * (node cannot generate certificates). Cached per process: every lab server shares it, and
 * clients trust it by passing certPem as their CA.
 */
export function labCertificate(): LabCertificate {
  if (cached) return cached;
  const dir = mkdtempSync(path.join(tmpdir(), "switchyard-lab-cert-"));
  try {
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
      "-days", "30", "-subj", "/CN=switchyard-lab",
      "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:*.lab.test,DNS:lab.test",
      "-addext", "basicConstraints=critical,CA:TRUE",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    cached = { certPem: readFileSync(path.join(dir, "cert.pem"), "utf8"), keyPem: readFileSync(path.join(dir, "key.pem"), "utf8") };
    return cached;
  } catch (error) {
    throw new Error(`openssl could not make the lab certificate (is openssl installed?): ${String(error)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
