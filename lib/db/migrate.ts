import { spawn } from "node:child_process";
import path from "node:path";

// Prisma 6.19's CLI with a driver adapter lingers ~10 s after `migrate deploy` has finished
// (an internal timer, not our pool). Once it has printed its final verdict, every migration is
// committed, so we end it after a short grace period instead of waiting.
const FINISHED = /No pending migrations to apply|migrations? (have|has) been successfully applied/;
const GRACE_MS = 300;

/** Applies prisma/migrations with `prisma migrate deploy` (the only migrate verb that works offline here). */
export async function applyMigrations(databaseUrl: string, projectRoot = process.cwd()): Promise<void> {
  const prismaBin = path.join(projectRoot, "node_modules", ".bin", "prisma");
  const output: string[] = [];
  let finished = false;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(prismaBin, ["migrate", "deploy"], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (chunk: Buffer) => {
      output.push(String(chunk));
      if (!finished && FINISHED.test(output.join(""))) {
        finished = true;
        setTimeout(() => child.kill("SIGTERM"), GRACE_MS).unref();
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("close", (exitCode) => resolve(finished ? 0 : exitCode));
  });
  if (code !== 0) throw new Error(`prisma migrate deploy failed (exit ${code}):\n${output.join("")}`);
}
