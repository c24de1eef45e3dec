import path from "node:path";

/** Project-local folder for everything the embedded default keeps (cluster, key file). Git-ignored. */
export function dataDir(): string {
  return path.resolve(process.env.SWITCHYARD_DATA_DIR ?? path.join(process.cwd(), ".data"));
}
