// `npm run bench:lab-soak`: the fault lab under a 10-minute run against hanging proxies (opt-in,
// not part of `npm test`; lib/lab/lab-sockets.test.ts runs a few seconds of the same).
// Clients open connections to hanging HTTP / HTTPS / SOCKS5 lab proxies until the proxies hang on
// them, then abandon them, wave after wave, while a healthy lab proxy must keep answering. The lab
// runs in this process, so /proc/self/fd counts its descriptors. Fails (exit 1) when descriptors
// do not return to the baseline or the healthy proxy failed. SOAK_MINUTES changes the length.
import { startFaultLab } from "@/lib/lab/fault-lab";
import { runHangSoak } from "@/lib/lab/hang-soak";
import { BENCH_SHORT, reportFigure } from "./bench-report";

// `npm run bench` (BENCH_SHORT=1) runs one minute of it.
const minutes = Number(process.env.SOAK_MINUTES ?? (BENCH_SHORT ? 1 : 10));
const perWave = Number(process.env.SOAK_PER_WAVE ?? 200);
const lab = await startFaultLab({
  proxies: [
    { name: "http-healthy", kind: "http" },
    { name: "http-hang", kind: "http", behaviour: { kind: "hang" } },
    { name: "https-hang", kind: "https", behaviour: { kind: "hang" } },
    { name: "socks5-hang", kind: "socks5", behaviour: { kind: "hang" } },
  ],
});
console.log(`lab soak: ${minutes} min, ${perWave} connections per hanging proxy per wave (3 proxies), node ${process.version}`);
console.log("elapsed  fds  held  abandoned  healthy ok/failed");
try {
  const report = await runHangSoak(lab, {
    hangProxies: [lab.proxy("http-hang"), lab.proxy("https-hang"), lab.proxy("socks5-hang")],
    healthyProxy: lab.proxy("http-healthy"),
    durationMs: minutes * 60_000,
    perWave,
    sampleEveryMs: 30_000,
    onSample: (s) =>
      console.log(`${String(Math.round(s.elapsedMs / 1000)).padStart(6)} s ${String(s.fds).padStart(4)} ${String(s.hanging).padStart(5)} ${String(s.abandoned).padStart(10)}  ${s.healthyOk}/${s.healthyFailed}`),
  });
  console.log(
    `\nbaseline ${report.baselineFds} fds, peak ${report.peakFds}, after the last wave ${report.finalFds}; ` +
      `${report.abandoned} connections abandoned; healthy proxy ${report.healthyOk} ok / ${report.healthyFailed} failed; still held: ${report.finalHanging}`,
  );
  for (const failure of report.failures) console.log(`  healthy proxy failed: ${failure}`);
  const leaked = report.finalFds > report.baselineFds + 3 || report.finalHanging > 0;
  reportFigure({ name: `lab soak ${minutes} min: descriptors above baseline after the last wave`, value: report.finalFds - report.baselineFds, unit: "fds", goal: 3, better: "lower" });
  reportFigure({ name: `lab soak ${minutes} min: healthy proxy failures`, value: report.healthyFailed, unit: "", goal: 0, better: "lower" });
  if (leaked || report.healthyFailed > 0) {
    console.log(leaked ? "FAIL: descriptors leaked" : "FAIL: the healthy proxy failed");
    process.exitCode = 1;
  } else console.log("PASS: no descriptor leak, healthy proxy answered throughout");
} finally {
  await lab.close();
}
