import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The import graph of lib/ against the map in lib/README.md: every lib/ folder has a row with a
// layer number and the folders it may import; every import between folders must be listed there
// and point to a strictly lower layer, so there are no cycles and nothing imports upwards.
// Test files and testing/ folders are left out (tests may reach across to set things up).
// Table ownership the same way: every Prisma model is named in exactly one folder's "owns" cell,
// and only that folder's code writes it (Prisma delegate writes, nested relation writes, raw SQL).

const ROOT = path.resolve(import.meta.dirname, "..");
const LIB = path.join(ROOT, "lib");

interface MapRow {
  layer: number;
  owns: Set<string>;
  mayImport: Set<string>;
}

function readMap(): Map<string, MapRow> {
  const rows = new Map<string, MapRow>();
  for (const line of readFileSync(path.join(LIB, "README.md"), "utf8").split("\n")) {
    const match = /^\|\s*`([a-z-]+)\/`\s*\|\s*(\d+)\s*\|([^|]*)\|([^|]*)\|\s*$/.exec(line);
    if (!match) continue;
    rows.set(match[1], {
      layer: Number(match[2]),
      owns: new Set([...match[3].matchAll(/`([A-Z]\w*)`/g)].map((m) => m[1])),
      mayImport: new Set([...match[4].matchAll(/`([a-z-]+)\/`/g)].map((m) => m[1])),
    });
  }
  return rows;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) {
      if (name !== "testing" && name !== "node_modules") sourceFiles(file, out);
    } else if (/\.tsx?$/.test(name) && !/\.(test|spec)\.tsx?$/.test(name)) out.push(file);
  }
  return out;
}

/** Every module a file imports (static, type-only, re-exports and dynamic import()). */
function importsOf(file: string): string[] {
  return ts.preProcessFile(readFileSync(file, "utf8"), true, true).importedFiles.map((entry) => entry.fileName);
}

function resolveSpecifier(from: string, specifier: string): string | null {
  if (specifier.startsWith("@/")) return path.join(ROOT, specifier.slice(2));
  if (specifier.startsWith(".")) return path.resolve(path.dirname(from), specifier);
  return null;
}

const folderOf = (file: string) => path.relative(LIB, file).split(path.sep)[0];

/** Folder → folder → one example import, for every import that crosses lib/ folders. */
function folderEdges(): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(LIB)) {
    const from = folderOf(file);
    if (from.includes(".")) continue; // files directly in lib/ (this test, README)
    for (const specifier of importsOf(file)) {
      const target = resolveSpecifier(file, specifier);
      if (!target) continue;
      const rel = path.relative(LIB, target);
      if (rel.startsWith("..")) continue;
      const to = rel.split(path.sep)[0];
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, `${path.relative(ROOT, file)} imports ${specifier}`);
    }
  }
  return edges;
}

/** Groups of folders that import each other in a circle (Tarjan's strongly connected components). */
function cyclicGroups(edges: Map<string, Map<string, string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])]);
  for (const v of nodes) if (!index.has(v)) visit(v);
  return groups;
}

/** The Prisma models, and each relation field name → the model(s) a nested write through it would write. */
function readModels(): { models: Set<string>; relationFields: Map<string, Set<string>> } {
  const schema = readFileSync(path.join(ROOT, "prisma", "schema.prisma"), "utf8");
  const bodies = [...schema.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)];
  const models = new Set(bodies.map((m) => m[1]));
  const relationFields = new Map<string, Set<string>>();
  for (const [, , body] of bodies) {
    for (const field of body.matchAll(/^\s+(\w+)\s+(\w+)/gm)) {
      if (!models.has(field[2])) continue;
      if (!relationFields.has(field[1])) relationFields.set(field[1], new Set());
      relationFields.get(field[1])!.add(field[2]);
    }
  }
  return { models, relationFields };
}

const WRITE_METHODS = "create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany";
const NESTED_WRITES = "create|createMany|connectOrCreate|upsert|update|updateMany|delete|deleteMany|set";

/** The models a source text writes: `x.model.create(…)`, `relation: { create: … }`, INSERT/UPDATE/DELETE/TRUNCATE/MERGE on "Model". */
function modelsWritten(source: string, models: Set<string>, relationFields: Map<string, Set<string>>): Set<string> {
  const written = new Set<string>();
  for (const model of models) {
    const delegate = model[0].toLowerCase() + model.slice(1);
    if (new RegExp(`\\.${delegate}\\s*\\.\\s*(${WRITE_METHODS})\\s*\\(`).test(source)) written.add(model);
    if (new RegExp(`\\b(INSERT\\s+INTO|UPDATE|DELETE\\s+FROM|TRUNCATE(\\s+TABLE)?|MERGE\\s+INTO)\\s+(ONLY\\s+)?"${model}"`, "i").test(source)) written.add(model);
  }
  for (const [field, targets] of relationFields) {
    if (new RegExp(`\\b${field}\\s*:\\s*\\{\\s*(${NESTED_WRITES})\\s*:`).test(source)) for (const target of targets) written.add(target);
  }
  return written;
}

/**
 * Writes outside the owning folder that are known and accepted, each with its reason. The test
 * fails on any other, and on an entry here that no longer happens (so the list only shrinks).
 */
const FOREIGN_WRITES: Array<{ folder: string; model: string; why: string }> = [
  { folder: "lab", model: "ProxyNode", why: "npm run lab -- --register upserts the lab's proxies as demo nodes (a developer tool, audited as one event)" },
  { folder: "lab", model: "Pool", why: "the lab's demo pool (developer tool)" },
  { folder: "lab", model: "PoolMembership", why: "the lab's demo pool (developer tool)" },
  { folder: "lab", model: "PoolProbeSettings", why: "the lab's demo pool (developer tool)" },
  { folder: "lab", model: "ProbeTarget", why: "the lab's demo targets (developer tool)" },
];

/** Folder → models its code writes → one example file. */
function folderWrites(): Map<string, Map<string, string>> {
  const { models, relationFields } = readModels();
  const writes = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(LIB)) {
    const folder = folderOf(file);
    if (folder.includes(".")) continue;
    for (const model of modelsWritten(readFileSync(file, "utf8"), models, relationFields)) {
      if (!writes.has(folder)) writes.set(folder, new Map());
      if (!writes.get(folder)!.has(model)) writes.get(folder)!.set(model, path.relative(ROOT, file));
    }
  }
  return writes;
}

describe("lib/ architecture", () => {
  const map = readMap();
  const edges = folderEdges();

  it("lib/README.md has exactly one row per lib/ folder", () => {
    const folders = readdirSync(LIB).filter((name) => statSync(path.join(LIB, name)).isDirectory());
    expect([...map.keys()].sort()).toEqual(folders.sort());
  });

  it("no import cycles between lib/ folders", () => {
    expect(cyclicGroups(edges)).toEqual([]);
  });

  it("every import between folders is listed in the map and points to a lower layer", () => {
    const problems: string[] = [];
    for (const [from, targets] of edges) {
      const row = map.get(from);
      for (const [to, example] of targets) {
        if (!row?.mayImport.has(to)) problems.push(`${from} → ${to} is not in lib/README.md's "may import" for ${from}/ (${example})`);
        const target = map.get(to);
        if (row && target && target.layer >= row.layer) problems.push(`${from} (layer ${row.layer}) → ${to} (layer ${target.layer}) goes up or sideways (${example})`);
      }
    }
    for (const [from, row] of map) {
      for (const to of row.mayImport) {
        const target = map.get(to);
        if (!target) problems.push(`lib/README.md: ${from}/ may import ${to}/, which does not exist`);
        else if (target.layer >= row.layer) problems.push(`lib/README.md: ${from}/ (layer ${row.layer}) may import ${to}/ (layer ${target.layer}), not a lower layer`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("lib/ never imports app/ or components/", () => {
    const upward = sourceFiles(LIB).flatMap((file) =>
      importsOf(file)
        .filter((specifier) => /^@\/(app|components)\//.test(specifier))
        .map((specifier) => `${path.relative(ROOT, file)} imports ${specifier}`),
    );
    expect(upward).toEqual([]);
  });

  it("every Prisma model is owned by exactly one folder in lib/README.md", () => {
    const { models } = readModels();
    const owners = new Map<string, string[]>();
    for (const [folder, row] of map) for (const model of row.owns) owners.set(model, [...(owners.get(model) ?? []), folder]);
    const problems = [...models].filter((model) => owners.get(model)?.length !== 1).map((model) => `${model}: owned by ${owners.get(model)?.join(", ") || "no folder"}`);
    problems.push(...[...owners.keys()].filter((name) => !models.has(name)).map((name) => `lib/README.md names ${name} as owned, but there is no such model`));
    expect(problems).toEqual([]);
  });

  it("only the owning folder writes a table (apart from the listed, reasoned exceptions)", () => {
    const problems: string[] = [];
    const writes = folderWrites();
    for (const [folder, models] of writes) {
      for (const [model, example] of models) {
        if (map.get(folder)?.owns.has(model)) continue;
        if (FOREIGN_WRITES.some((entry) => entry.folder === folder && entry.model === model)) continue;
        const owner = [...map].find(([, row]) => row.owns.has(model))?.[0];
        problems.push(`${folder}/ writes ${model}, which ${owner ? `${owner}/ owns: call a function of ${owner}/` : "no folder owns"} (${example})`);
      }
    }
    for (const entry of FOREIGN_WRITES) {
      if (!writes.get(entry.folder)?.has(entry.model)) problems.push(`FOREIGN_WRITES lists ${entry.folder} → ${entry.model}, which no longer happens: remove the entry`);
    }
    expect(problems).toEqual([]);
  });

  it("the write finder sees delegate, nested and raw SQL writes (the check can fail)", () => {
    const models = new Set(["ProxyNode", "PoolMembership", "Pool"]);
    const relationFields = new Map([["pools", new Set(["PoolMembership"])]]);
    const found = (source: string) => [...modelsWritten(source, models, relationFields)].sort();
    expect(found("await tx.proxyNode.update({ where, data: { label } })")).toEqual(["ProxyNode"]);
    expect(found("data: { host, pools: { create: ids.map((poolId) => ({ poolId })) } }")).toEqual(["PoolMembership"]);
    expect(found('tx.$executeRaw`INSERT INTO "PoolMembership" ("poolId", "nodeId") VALUES (1, 2)`')).toEqual(["PoolMembership"]);
    expect(found('db.query(`delete from "Pool" where id = $1`)')).toEqual(["Pool"]);
    expect(found('tx.$queryRaw`SELECT * FROM "PoolMembership" m JOIN "Pool" p ON true`; tx.proxyNode.findMany({ include: { pools: true } })')).toEqual([]);
  });

  it("the cycle finder finds a planted cycle (the check can fail)", () => {
    const planted = new Map([
      ["a", new Map([["b", "a→b"]])],
      ["b", new Map([["c", "b→c"]])],
      ["c", new Map([["a", "c→a"]])],
      ["d", new Map([["a", "d→a"]])],
    ]);
    expect(cyclicGroups(planted)).toEqual([["a", "b", "c"]]);
  });
});
