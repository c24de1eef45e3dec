import type pg from "pg";
import type { ProbeAttempt } from "@/lib/probe/probe-check";
import { RECORDED_TARGET_SQL } from "@/lib/probe/recorded-targets";
import { ProbeResultWriter } from "@/lib/probe/result-writer";

/** How a client request through the gateway ended, as counted on the overview. */
export interface FinalOutcome {
  poolId: string;
  /** "ok", a fault class, or a gateway outcome: no_healthy_node, deadline, client_closed. */
  finalClass: string;
  origin: string;
  attempts: number;
}

const MAX_TARGETS_REMEMBERED = 10_000;
const TRAFFIC_FLUSH_MS = 5_000;
const TRAFFIC_RETENTION_DAYS = 8;

/**
 * Records what the gateway does: every attempt as a ProbeResult row (source "gateway") through
 * lib/probe's batch writer, so gateway traffic feeds the same breakdowns and automatic ejection as
 * probes; and per pool × minute × final outcome counters (requests, attempts) that go to
 * GatewayTrafficMinute every few seconds as additive upserts (several instances add up).
 * Targets are recorded per origin (scheme://host:port/), never with paths or query strings.
 */
export class AttemptRecorder {
  readonly writer: ProbeResultWriter;
  private readonly targetIds = new Map<string, string | Promise<string | null>>();
  private traffic = new Map<string, { poolId: string; minute: number; finalClass: string; origin: string; requests: number; attempts: number }>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private lastPrune = 0;
  /** Process-lifetime totals (tests, logs). */
  readonly totals = { requests: 0, attempts: 0, failures: 0 };

  constructor(private readonly db: pg.Pool, private readonly log: (line: string) => void) {
    this.writer = new ProbeResultWriter({ source: "gateway", flushAfterMs: 1_000, onError: (error) => log(`gateway: writing results failed: ${(error as Error).message}`) });
    this.timer = setInterval(() => void this.flushTraffic(), TRAFFIC_FLUSH_MS).unref();
  }

  attempt(attempt: ProbeAttempt, origin: string): void {
    const known = this.targetIds.get(origin);
    if (typeof known === "string") {
      attempt.targetId = known;
      void this.writer.add(attempt);
      return;
    }
    const pending = known ?? this.targetId(origin);
    void pending.then((id) => {
      if (!id) return;
      attempt.targetId = id;
      void this.writer.add(attempt);
    });
  }

  final(outcome: FinalOutcome): void {
    this.totals.requests++;
    this.totals.attempts += outcome.attempts;
    if (outcome.finalClass !== "ok") this.totals.failures++;
    const minute = Math.floor(Date.now() / 60_000);
    const key = `${outcome.poolId}|${minute}|${outcome.finalClass}`;
    const row = this.traffic.get(key);
    if (row) {
      row.requests++;
      row.attempts += outcome.attempts;
    } else this.traffic.set(key, { poolId: outcome.poolId, minute, finalClass: outcome.finalClass, origin: outcome.origin, requests: 1, attempts: outcome.attempts });
  }

  private targetId(origin: string): Promise<string | null> {
    if (this.targetIds.size >= MAX_TARGETS_REMEMBERED) this.targetIds.clear();
    const lookup = this.db
      .query<{ id: string }>(RECORDED_TARGET_SQL, [origin, "gateway traffic"])
      .then(({ rows }) => {
        this.targetIds.set(origin, rows[0].id);
        return rows[0].id;
      })
      .catch((error: Error) => {
        this.targetIds.delete(origin);
        this.log(`gateway: recording target ${origin} failed: ${error.message}`);
        return null;
      });
    this.targetIds.set(origin, lookup);
    return lookup;
  }

  /** Writes the traffic counters gathered so far (additive). */
  flushTraffic(): Promise<void> {
    const rows = [...this.traffic.values()];
    this.traffic = new Map();
    this.flushing = this.flushing.then(async () => {
      try {
        if (rows.length)
          await this.db.query(
            `INSERT INTO "GatewayTrafficMinute" ("poolId", "minute", "finalClass", "origin", "requests", "attempts")
             SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::int[], $6::int[])
             ON CONFLICT ("poolId", "minute", "finalClass") DO UPDATE
               SET "requests" = "GatewayTrafficMinute"."requests" + EXCLUDED."requests", "attempts" = "GatewayTrafficMinute"."attempts" + EXCLUDED."attempts"`,
            [
              rows.map((r) => r.poolId),
              rows.map((r) => new Date(r.minute * 60_000).toISOString()),
              rows.map((r) => r.finalClass),
              rows.map((r) => r.origin),
              rows.map((r) => r.requests),
              rows.map((r) => r.attempts),
            ],
          );
        if (Date.now() - this.lastPrune > 3_600_000) {
          this.lastPrune = Date.now();
          await this.db.query(`DELETE FROM "GatewayTrafficMinute" WHERE "minute" < now() - make_interval(days => $1)`, [TRAFFIC_RETENTION_DAYS]);
        }
      } catch (error) {
        this.log(`gateway: writing traffic counters failed: ${(error as Error).message}`);
      }
    });
    return this.flushing;
  }

  /** Everything recorded so far is in the database (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.targetIds.values()].filter((v) => typeof v !== "string"));
    await this.writer.flush().catch(() => undefined);
    await this.flushTraffic();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
