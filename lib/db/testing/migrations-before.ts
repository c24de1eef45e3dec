import { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A throw-away project root whose prisma/migrations stop just before `migration` (node_modules
 * linked to the real one): `applyMigrations(url, root)` then builds a database as it was before
 * that migration, so a test or benchmark can store rows the old way and then apply the rest.
 * The caller removes the folder.
 */
export function projectRootWithMigrationsBefore(migration: string, projectRoot = process.cwd()): string {
  const root = mkdtempSync(path.join(tmpdir(), `switchyard-before-${migration.split("_")[0]}-`));
  const migrations = path.join(projectRoot, "prisma", "migrations");
  if (!readdirSync(migrations).includes(migration)) throw new Error(`No migration ${migration} in ${migrations}.`);
  mkdirSync(path.join(root, "prisma", "migrations"), { recursive: true });
  cpSync(path.join(projectRoot, "prisma.config.ts"), path.join(root, "prisma.config.ts"));
  cpSync(path.join(projectRoot, "prisma", "schema.prisma"), path.join(root, "prisma", "schema.prisma"));
  symlinkSync(path.join(projectRoot, "node_modules"), path.join(root, "node_modules"));
  for (const entry of readdirSync(migrations))
    if (entry < migration) cpSync(path.join(migrations, entry), path.join(root, "prisma", "migrations", entry), { recursive: true });
  return root;
}
