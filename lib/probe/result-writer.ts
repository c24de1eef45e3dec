import pg from "pg";
import { registerPgPool } from "@/lib/db/pg-pool-registry";
import { recordResults } from "@/lib/metrics/metrics";
import type { ProbeAttempt } from "./probe-check";

export type ResultSource = "probe" | "caller" | "gateway";

/**
 * Results Switchyard measured itself: its probes and the forward-proxy gateway's attempts. Only
 * these may take a node out of rotation or eject it; caller reports ("caller") could be forged.
 */
export const MEASURED_SOURCES: readonly ResultSource[] = ["probe", "gateway"];

// A result is filed under the time its check started, unless a rollup has already folded past
// that time (a check or a gateway relay that took longer than the rollup's delay): then under the
// rollup's watermark, the earliest instant still read raw, so it is counted — late, never lost.
// The watermark rows are read FOR SHARE, and a rollup holds them FOR UPDATE while it folds: a batch
// and a rollup chunk never interleave, so no row lands behind a watermark that just moved.
// (Any rollup over ProbeResult keeps a row in ProbeRollupWatermark; the furthest one bounds.)
const INSERT_SQL = `
INSERT INTO "ProbeResult" ("nodeId", "targetId", "startedAt", "connectMs", "tlsMs", "firstByteMs", "totalMs",
  "status", "bytes", "exitIp", "faultClass", "bucket", "faultOrigin", "reason", "errorDetail",
  "responder", "responderEvidence", "originEvidence", "source")
SELECT u.n, u.t, greatest(u.s, (SELECT max(m."rolledUpTo") FROM (SELECT "rolledUpTo" FROM "ProbeRollupWatermark" FOR SHARE) m)),
  u.c4, u.c5, u.c6, u.c7, u.c8, u.c9, u.c10, u.c11, u.c12, u.c13, u.c14, u.c15, u.c16, u.c17, u.c18, $19::text
FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::real[], $5::real[], $6::real[], $7::real[],
  $8::int[], $9::int[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[],
  $16::text[], $17::text[], $18::text[]) AS u(n, t, s, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18)`;

// The bulk path talks to PostgreSQL through `pg` itself: the same unnest INSERT through
// prisma.$executeRawUnsafe cost ~4x the CPU (about 25 µs per row in the prober process, measured),
// which is a tenth of a plain-HTTP check's budget. One small pool per process, created on first use.
const globalForWriter = globalThis as unknown as { switchyardResultPool?: pg.Pool };

function resultPool(): pg.Pool {
  if (globalForWriter.switchyardResultPool) return globalForWriter.switchyardResultPool;
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set");
  // allowExitOnIdle: a script that is done may exit without closing this pool.
  const pool = new pg.Pool({ connectionString, max: 2, allowExitOnIdle: true, connectionTimeoutMillis: 5_000 });
  // An idle connection dropped by the server (restart, shutdown) is replaced on the next query.
  pool.on("error", () => {});
  registerPgPool("results", pool);
  return (globalForWriter.switchyardResultPool = pool);
}

/** Closes the writer's connections (scripts that stop their database first). */
export async function closeResultWriterPool(): Promise<void> {
  const pool = globalForWriter.switchyardResultPool;
  globalForWriter.switchyardResultPool = undefined;
  await pool?.end();
}

/** Inserts attempts in one statement (one array per column: ~10x createMany). Returns rows written. */
export async function insertProbeResults(attempts: readonly ProbeAttempt[], source: ResultSource = "probe"): Promise<number> {
  if (attempts.length === 0) return 0;
  // One pass filling a column array each (a map() pass per column was measurable per row).
  const n = attempts.length;
  const params: unknown[][] = Array.from({ length: 18 }, () => new Array<unknown>(n));
  const [nodeIds, targetIds, startedAts, connectMs, tlsMs, firstByteMs, totalMs, statuses, bytes, exitIps, classes, buckets, origins, reasons, details, responders, responderEvidence, originEvidence] = params;
  for (let i = 0; i < n; i++) {
    const a = attempts[i];
    if (!a.targetId) throw new Error(`probe result for ${a.targetUrl} has no targetId; register the target first`);
    nodeIds[i] = a.nodeId;
    targetIds[i] = a.targetId;
    startedAts[i] = a.startedAt.toISOString();
    connectMs[i] = a.connectMs;
    tlsMs[i] = a.tlsMs;
    firstByteMs[i] = a.firstByteMs;
    totalMs[i] = a.totalMs;
    statuses[i] = a.status;
    bytes[i] = a.bytes;
    exitIps[i] = a.exitIp;
    classes[i] = a.faultClass;
    buckets[i] = a.bucket;
    origins[i] = a.faultOrigin;
    reasons[i] = a.reason.length > 500 ? a.reason.slice(0, 500) : a.reason;
    details[i] = a.errorDetail;
    responders[i] = a.responder;
    responderEvidence[i] = a.responderEvidence;
    originEvidence[i] = a.originEvidence;
  }
  const values = [...params, source];
  const result = await resultPool()
    .query(INSERT_SQL, values)
    // A partition attached over these rows' range while the statement waited for its lock: the rows
    // were routed to the default partition, which no longer takes them. The statement wrote nothing;
    // run again, it routes them to the new partition (result-partitions.ts attaches ahead of time,
    // so this is rare: a worker's first minutes, a gap after an outage).
    .catch((error: { code?: string; message?: string }) => {
      if (error.code === "23514" && /partition constraint/.test(error.message ?? "")) return resultPool().query(INSERT_SQL, values);
      throw error;
    });
  await recordResults(attempts, source);
  return result.rowCount ?? 0;
}

export interface ResultWriterOptions {
  /** Rows per INSERT. */
  batchSize?: number;
  /** A partial batch is written after this long, so results show up while a slow run goes on. */
  flushAfterMs?: number;
  source?: ResultSource;
  onError?: (error: unknown) => void;
}

/**
 * Buffers attempts and writes them in batches. add() waits while a full batch is being written,
 * so a fast prober cannot outrun the database with an ever-growing buffer (backpressure).
 */
export class ProbeResultWriter {
  private buffer: ProbeAttempt[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly batchSize: number;
  private readonly flushAfterMs: number;
  written = 0;
  failed = 0;

  constructor(private readonly options: ResultWriterOptions = {}) {
    this.batchSize = options.batchSize ?? 2_000;
    this.flushAfterMs = options.flushAfterMs ?? 500;
  }

  async add(attempt: ProbeAttempt): Promise<void> {
    this.buffer.push(attempt);
    if (this.buffer.length >= this.batchSize) return this.flush();
    this.timer ??= setTimeout(() => void this.flush(), this.flushAfterMs);
  }

  /** Writes what is buffered; resolves when everything added so far is in the database. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(async () => {
      if (batch.length === 0) return;
      try {
        this.written += await insertProbeResults(batch, this.options.source);
      } catch (error) {
        this.failed += batch.length;
        if (!this.options.onError) throw error;
        this.options.onError(error);
      }
    });
    return this.writing;
  }
}
