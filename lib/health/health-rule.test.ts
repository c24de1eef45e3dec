import { describe, expect, it } from "vitest";
import { countsAgainstNode, isInRotation, NO_VERDICTS, type RecentVerdicts } from "./health-rule";

/** Newest first: "ok" / "fail" (node-caused), measured unless marked "caller-…". */
function verdicts(...entries: Array<"ok" | "fail" | "caller-ok" | "caller-fail">): RecentVerdicts {
  const recentOk = entries.map((e) => e.endsWith("ok"));
  const recentMeasured = entries.map((e) => !e.startsWith("caller"));
  return { recentOk, recentMeasured, recentMeasuredOk: entries.filter((e) => !e.startsWith("caller")).map((e) => e === "ok") };
}

describe("the one health rule", () => {
  it("counts only failures the node or the network to it caused", () => {
    expect(countsAgainstNode({ faultClass: "proxy_502", faultOrigin: "proxy" })).toBe(true);
    expect(countsAgainstNode({ faultClass: "proxy_unreachable", faultOrigin: "network" })).toBe(true);
    expect(countsAgainstNode({ faultClass: "target_502", faultOrigin: "target" })).toBe(false);
    expect(countsAgainstNode({ faultClass: "blocked", faultOrigin: "target" })).toBe(false);
    expect(countsAgainstNode({ faultClass: "target_504", faultOrigin: "unknown" })).toBe(false);
    expect(countsAgainstNode({ faultClass: "ok", faultOrigin: "none" })).toBe(false);
  });

  it("rotation: 3 node-caused failures in a row take a node out; fewer, a success or a caller alone do not", () => {
    expect(isInRotation("ENABLED", NO_VERDICTS)).toBe(true);
    expect(isInRotation("DRAINING", NO_VERDICTS)).toBe(false);
    expect(isInRotation("ENABLED", verdicts("fail", "fail"))).toBe(true);
    expect(isInRotation("ENABLED", verdicts("fail", "fail", "fail"))).toBe(false);
    expect(isInRotation("ENABLED", verdicts("ok", "fail", "fail", "fail"))).toBe(true);
    // Callers confirm a failing measurement, never convict alone, and cannot keep a node whose measurements fail.
    expect(isInRotation("ENABLED", verdicts("caller-fail", "caller-fail", "fail"))).toBe(false);
    expect(isInRotation("ENABLED", verdicts("caller-fail", "caller-fail", "caller-fail"))).toBe(true);
    expect(isInRotation("ENABLED", verdicts("caller-ok", "fail", "fail", "fail"))).toBe(false);
  });
});
