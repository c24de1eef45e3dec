import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// The import graph of lib/ against the map in lib/README.md: every lib/ folder has a row with a
// layer number and the folders it may import; every import between folders must be listed there
// and point to a strictly lower layer, so there are no cycles and nothing imports upwards.
// Test files and testing/ folders are left out (tests may reach across to set things up).

const ROOT = path.resolve(import.meta.dirname, "..");
const LIB = path.join(ROOT, "lib");

interface MapRow {
  layer: number;
  mayImport: Set<string>;
}

function readMap(): Map<string, MapRow> {
  const rows = new Map<string, MapRow>();
  for (const line of readFileSync(path.join(LIB, "README.md"), "utf8").split("\n")) {
    const match = /^\|\s*`([a-z-]+)\/`\s*\|\s*(\d+)\s*\|[^|]*\|([^|]*)\|\s*$/.exec(line);
    if (!match) continue;
    rows.set(match[1], { layer: Number(match[2]), mayImport: new Set([...match[3].matchAll(/`([a-z-]+)\/`/g)].map((m) => m[1])) });
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
