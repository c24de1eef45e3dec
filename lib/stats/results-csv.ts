import type { ResultListRow } from "./result-list";

const COLUMNS: Array<keyof ResultListRow> = ["startedAt", "nodeName", "nodeId", "targetName", "targetUrl", "faultClass", "bucket", "origin", "responder", "status", "totalMs", "exitIp", "reason", "source", "id"];

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function resultsCsv(rows: ResultListRow[]): string {
  const cell = (value: unknown) => {
    let text = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [COLUMNS.join(","), ...rows.map((row) => COLUMNS.map((key) => cell(row[key])).join(","))].join("\r\n") + "\r\n";
}
