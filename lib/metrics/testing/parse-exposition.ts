/**
 * A strict parser for the Prometheus text exposition format 0.0.4, for tests: every line must be
 * a HELP/TYPE comment or a sample of a declared family, names and labels well-formed, no series
 * twice, histogram buckets cumulative with a +Inf bucket equal to _count. Throws on the first fault.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

export function parseExposition(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const seen = new Set<string>();
  const lines = text.split("\n");
  if (lines.at(-1) !== "") throw new Error("exposition must end with a newline");
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line === "") return;
    if (line.startsWith("#")) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!match) return; // other comments are allowed
      const [, kind, name, rest] = match;
      if (!NAME.test(name)) throw new Error(`bad metric name: ${where}`);
      const family = families.get(name) ?? { name, type: "untyped" as const, help: "", samples: [] };
      if (kind === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`bad type: ${where}`);
        if (family.samples.length) throw new Error(`TYPE after samples: ${where}`);
        family.type = rest as MetricFamily["type"];
      } else family.help = rest;
      families.set(name, family);
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`sample of an undeclared family: ${where}`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate series: ${where}`);
    seen.add(key);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family);
  return families;
}

function familyOf(families: Map<string, MetricFamily>, sampleName: string): MetricFamily | undefined {
  const direct = families.get(sampleName);
  if (direct) return direct;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family && (family.type === "histogram" || (family.type === "summary" && suffix !== "_bucket"))) return family;
  }
  return undefined;
}

function parseSample(line: string, where: string): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new Error(`bad sample name: ${where}`);
  const name = nameMatch[0];
  let position = name.length;
  const labels: Record<string, string> = {};
  if (line[position] === "{") {
    position++;
    while (line[position] !== "}") {
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(position));
      if (!labelMatch || !LABEL_NAME.test(labelMatch[1])) throw new Error(`bad label: ${where}`);
      position += labelMatch[0].length;
      let value = "";
      for (;;) {
        const char = line[position++];
        if (char === undefined) throw new Error(`unterminated label value: ${where}`);
        if (char === '"') break;
        if (char === "\\") {
          const escaped = line[position++];
          if (escaped === "n") value += "\n";
          else if (escaped === "\\" || escaped === '"') value += escaped;
          else throw new Error(`bad escape: ${where}`);
        } else value += char;
      }
      if (labelMatch[1] in labels) throw new Error(`label twice: ${where}`);
      labels[labelMatch[1]] = value;
      if (line[position] === ",") position++;
      else if (line[position] !== "}") throw new Error(`expected , or }: ${where}`);
    }
    position++;
  }
  const rest = line.slice(position);
  const valueMatch = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!valueMatch) throw new Error(`bad value: ${where}`);
  const raw = valueMatch[1];
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any letter case (prom-client writes "Nan"
  // for an event-loop-lag gauge that has no samples yet).
  const special = raw.toLowerCase();
  const value = special === "+inf" || special === "inf" ? Infinity : special === "-inf" ? -Infinity : special === "nan" ? NaN : Number(raw);
  if (Number.isNaN(value) && special !== "nan") throw new Error(`bad value: ${where}`);
  return { name, labels, value };
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: { le: number; value: number }[]; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    if (sample.name.endsWith("_bucket")) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      entry.buckets.push({ le: le === "+Inf" ? Infinity : Number(le), value: sample.value });
    } else if (sample.name.endsWith("_count")) entry.count = sample.value;
    series.set(key, entry);
  }
  for (const [key, entry] of series) {
    const sorted = [...entry.buckets].sort((a, b) => a.le - b.le);
    if (sorted.at(-1)?.le !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
    for (let i = 1; i < sorted.length; i++) if (sorted[i].value < sorted[i - 1].value) throw new Error(`${family.name}${key}: buckets not cumulative`);
    if (sorted.at(-1)!.value !== entry.count) throw new Error(`${family.name}${key}: +Inf bucket differs from _count`);
  }
}

/** Sum of the samples named `name` whose labels include `labels`, or undefined when none. */
export function sampleSum(families: Map<string, MetricFamily>, family: string, name: string, labels: Record<string, string>): number | undefined {
  const found = families.get(family)?.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (!found?.length) return undefined;
  return found.reduce((sum, s) => sum + s.value, 0);
}
