import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, test } from "vitest";

// A process that loads the embedded PostgreSQL module must keep the exit code it chose: the
// package's exit hook once turned every failing Vitest run (and CI with it) into exit 0.
test("loading the embedded PostgreSQL module keeps a failing exit code", () => {
  const root = path.resolve(import.meta.dirname, "../..");
  const script = `await import(${JSON.stringify(path.join(root, "lib/db/embedded-postgres.ts"))}); process.exitCode = 3;`;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(child.stderr).not.toMatch(/Error/);
  expect(child.status).toBe(3);
});
