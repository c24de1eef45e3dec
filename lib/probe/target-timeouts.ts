import type { ProbeTimeouts } from "./probe-check";

/** A target's own first-byte/total timeouts win over the pool's (or the run's); connect stays the pool's: it is about the proxy. */
export function timeoutsForTarget(
  base: Partial<ProbeTimeouts> | undefined,
  target: { firstByteTimeoutMs: number | null; totalTimeoutMs: number | null },
): Partial<ProbeTimeouts> {
  return {
    ...base,
    ...(target.firstByteTimeoutMs !== null && { firstByteMs: target.firstByteTimeoutMs }),
    ...(target.totalTimeoutMs !== null && { totalMs: target.totalTimeoutMs }),
  };
}
