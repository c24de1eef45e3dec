import path from "node:path";

/** Project-local folder for everything the embedded default keeps (cluster, key file). Git-ignored. */
export function dataDir(): string {
  // turbopackIgnore: a runtime location, not a file to bundle.
  return path.resolve(/*turbopackIgnore: true*/ process.env.SWITCHYARD_DATA_DIR ?? path.join(/*turbopackIgnore: true*/ process.cwd(), ".data"));
}
