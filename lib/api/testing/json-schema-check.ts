// A small JSON Schema (2020-12 subset) checker for the OpenAPI contract tests: the keywords zod's
// toJSONSchema emits (type, properties, required, additionalProperties, items, enum, const,
// anyOf/oneOf/allOf, pattern, min/max, $ref into the document). Returns the problems found.
type Schema = Record<string, unknown>;

export function checkJsonSchema(value: unknown, schema: Schema, root: Schema, path = "$"): string[] {
  if (typeof schema.$ref === "string") {
    const target = schema.$ref.replace(/^#\//, "").split("/").reduce<unknown>((node, key) => (node as Schema)?.[key], root);
    return checkJsonSchema(value, target as Schema, root, path);
  }
  const problems: string[] = [];
  const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === "integer" && types.includes("number"))) return [`${path}: expected ${types.join("|")}, got ${actual}`];
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if ("const" in schema && schema.const !== value) problems.push(`${path}: expected const ${JSON.stringify(schema.const)}`);
  if (typeof value === "string" && typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: does not match ${schema.pattern}`);
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) problems.push(`${path}: below minimum`);
    if (typeof schema.maximum === "number" && value > schema.maximum) problems.push(`${path}: above maximum`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => problems.push(...checkJsonSchema(item, schema.items as Schema, root, `${path}[${i}]`)));
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in object)) problems.push(`${path}.${key}: required`);
    for (const [key, item] of Object.entries(object)) {
      if (properties[key]) problems.push(...checkJsonSchema(item, properties[key], root, `${path}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${path}.${key}: not allowed`);
      else if (typeof schema.additionalProperties === "object") problems.push(...checkJsonSchema(item, schema.additionalProperties as Schema, root, `${path}.${key}`));
    }
  }
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf as Schema[]) problems.push(...checkJsonSchema(value, part, root, path));
  for (const keyword of ["anyOf", "oneOf"] as const) {
    const options = schema[keyword] as Schema[] | undefined;
    if (!options) continue;
    const passing = options.filter((option) => checkJsonSchema(value, option, root, path).length === 0).length;
    if (passing === 0 || (keyword === "oneOf" && passing > 1)) problems.push(`${path}: ${keyword} matched ${passing} of ${options.length}`);
  }
  return problems;
}
