import { prisma } from "@/lib/db/prisma";
import { poolNodesInRotation } from "@/lib/health/data";
import { figuresFromClassRows } from "@/lib/stats/class-figures";
import { poolClassCountsBetween } from "@/lib/stats/pool-range-counts";
import type { AlertRuleKind } from "./schema";

export interface MeasuredRule {
  kind: string;
  poolId: string;
  origin: string | null;
  threshold: number;
  windowMinutes: number;
  minSamples: number;
}

export interface Measurement {
  value: number;
  /** Results the value rests on (rate kinds); node or event counts otherwise. */
  samples: number;
  breached: boolean;
  /** One line for people: what was measured against what. */
  summary: string;
}

const percent = (fraction: number) => `${(fraction * 100).toFixed(1)} %`;
// A previous hour without failures still has a rate to compare with (one failure in 1,000).
const SPIKE_FLOOR_RATE = 0.001;

/** Measures one rule at `now` from the rollups (plus the raw tail after the watermark). */
export async function measureRule(rule: MeasuredRule, now: Date): Promise<Measurement> {
  const windowStart = new Date(now.getTime() - rule.windowMinutes * 60_000);
  switch (rule.kind as AlertRuleKind) {
    case "rate_502":
    case "rate_504": {
      const figures = figuresFromClassRows(await poolClassCountsBetween(rule.poolId, windowStart, now));
      const is502 = rule.kind === "rate_502";
      const split = is502 ? figures.by502 : figures.by504;
      const failures = rule.origin ? split[rule.origin as keyof typeof split] : is502 ? figures.count502 : figures.count504;
      const value = figures.requests === 0 ? 0 : failures / figures.requests;
      const what = `${rule.origin ? `${rule.origin}-caused ` : ""}${is502 ? "502" : "504"}-class rate`;
      return {
        value,
        samples: figures.requests,
        breached: figures.requests >= rule.minSamples && value > rule.threshold,
        summary: `${what} ${percent(value)} over ${rule.windowMinutes} min (${failures} of ${figures.requests}; alert above ${percent(rule.threshold)})`,
      };
    }
    case "healthy_below": {
      // Healthy = in rotation by the one health rule (what the gateway would hand out).
      const { inRotation: healthy, total } = await poolNodesInRotation(rule.poolId);
      return {
        value: healthy,
        samples: total,
        breached: healthy < rule.threshold,
        summary: `${healthy} healthy of ${total} nodes (alert below ${rule.threshold})`,
      };
    }
    case "ejections_per_hour": {
      const [row] = await prisma.$queryRaw<{ ejections: bigint }[]>`
        SELECT count(*) AS "ejections" FROM "AuditEvent" a
        WHERE a."action" = 'node.auto_ejected' AND a."at" >= ${new Date(now.getTime() - 3_600_000)} AND a."at" < ${now}
          AND EXISTS (SELECT 1 FROM "PoolMembership" m WHERE m."nodeId" = a."nodeId" AND m."poolId" = ${rule.poolId}::uuid)`;
      const ejections = Number(row?.ejections ?? 0);
      return { value: ejections, samples: ejections, breached: ejections > rule.threshold, summary: `${ejections} automatic ejections in the last hour (alert above ${rule.threshold})` };
    }
    case "spike": {
      const previousStart = new Date(windowStart.getTime() - 3_600_000);
      const [current, previous] = await Promise.all([
        poolClassCountsBetween(rule.poolId, windowStart, now).then(figuresFromClassRows),
        poolClassCountsBetween(rule.poolId, previousStart, windowStart).then(figuresFromClassRows),
      ]);
      const rate = (f: typeof current) => (f.requests === 0 ? 0 : (f.count502 + f.count504) / f.requests);
      const ratio = rate(current) / Math.max(rate(previous), SPIKE_FLOOR_RATE);
      return {
        value: ratio,
        samples: current.requests,
        breached: current.requests >= rule.minSamples && previous.requests >= rule.minSamples && ratio >= rule.threshold,
        summary: `502+504 rate ${percent(rate(current))} over ${rule.windowMinutes} min vs ${percent(rate(previous))} the hour before (×${ratio.toFixed(1)}; alert at ×${rule.threshold})`,
      };
    }
    default:
      throw new Error(`unknown alert rule kind ${rule.kind}`);
  }
}
