import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { dataDir } from "@/lib/config/data-dir";

// Sealed format: "v1.<iv>.<tag>.<ciphertext>", each part base64url. AES-256-GCM authenticates,
// so a tampered or wrongly-keyed value fails loudly instead of decrypting to garbage.
const VERSION = "v1";

let cachedKey: Buffer | undefined;

/**
 * The 32-byte key: SWITCHYARD_SECRET_KEY (base64) when set; otherwise, on the embedded default,
 * a key file created on first use under the data folder (keep it with the database backup).
 */
export function secretKey(): Buffer {
  if (cachedKey) return cachedKey;
  const fromEnv = process.env.SWITCHYARD_SECRET_KEY;
  if (fromEnv) {
    const key = Buffer.from(fromEnv, "base64");
    if (key.length !== 32) throw new Error("SWITCHYARD_SECRET_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32).");
    return (cachedKey = key);
  }
  const file = path.join(dataDir(), "secret.key");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  }
  const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key.`);
  return (cachedKey = key);
}

export function sealSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", secretKey(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
}

export function openSecret(sealed: string): string {
  const [version, iv, tag, body] = sealed.split(".");
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error("Not a sealed secret.");
  const decipher = createDecipheriv("aes-256-gcm", secretKey(), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
}
