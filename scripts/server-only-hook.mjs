// Outside Next's bundler (the start script, workers, benchmarks) `import "server-only"` would throw;
// those processes are server-side by definition, so the marker resolves to an empty module there.
import { register } from "node:module";

register(
  "data:text/javascript," +
    encodeURIComponent(
      `export async function resolve(specifier, context, next) {
        if (specifier === "server-only") return { url: "data:text/javascript,", shortCircuit: true, format: "module" };
        return next(specifier, context);
      }`,
    ),
);
