import { createSecureContext, type SecureContext } from "node:tls";

interface TrustEntry {
  id: number;
  context: SecureContext;
}

/**
 * What a TLS client can reuse between checks, per trust setting (CA set + insecure flag):
 *  - the SecureContext: building one per connection (which `tls.connect({ ca })` does) parses the
 *    CA and builds an X509 store every time, the largest single cost of a check under OpenSSL 3;
 *  - the TLS session per peer, so later checks resume instead of redoing the certificate work.
 * The first check of a peer, and any check under another trust setting, does a full verified handshake.
 */
export class TlsClientCache {
  private readonly trust = new Map<string, TrustEntry>();
  private readonly sessions = new Map<string, Buffer>();
  private nextId = 1;

  constructor(private readonly maxSessions = 2_000) {}

  trustFor(ca: string | string[] | undefined, insecure: boolean): TrustEntry {
    const caText = ca === undefined ? "" : Array.isArray(ca) ? ca.join("\n") : ca;
    const key = `${insecure ? "insecure" : "verified"}|${caText}`;
    let entry = this.trust.get(key);
    if (!entry) {
      if (this.trust.size >= 64) this.trust.clear();
      entry = { id: this.nextId++, context: createSecureContext(ca === undefined ? {} : { ca }) };
      this.trust.set(key, entry);
    }
    return entry;
  }

  sessionKey(trust: TrustEntry, peer: string): string {
    return `${trust.id}|${peer}`;
  }

  session(key: string): Buffer | undefined {
    return this.sessions.get(key);
  }

  remember(key: string, session: Buffer): void {
    this.sessions.delete(key);
    this.sessions.set(key, session);
    if (this.sessions.size > this.maxSessions) this.sessions.delete(this.sessions.keys().next().value!);
  }
}

/** The process-wide cache the engine uses unless a check passes its own. */
export const sharedTlsClientCache = new TlsClientCache();
