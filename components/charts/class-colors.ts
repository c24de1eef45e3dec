import type { FaultClass } from "@/lib/probe/fault-taxonomy";

/** One colour per fault class, mid-tone so they read on light and dark backgrounds: greens ok, reds 502, oranges 504, greys/violets the rest. */
export const CLASS_COLORS: Record<FaultClass, string> = {
  ok: "#10b981",
  proxy_502: "#dc2626",
  invalid_response: "#f87171",
  reset: "#b91c1c",
  target_502: "#fb7185",
  proxy_504: "#ea580c",
  upstream_timeout: "#f59e0b",
  target_504: "#fdba74",
  proxy_unreachable: "#71717a",
  proxy_auth: "#a855f7",
  tunnel_failed: "#8b5cf6",
  tls_error: "#6366f1",
  target_5xx: "#0ea5e9",
  blocked: "#0284c7",
  target_4xx: "#94a3b8",
  unexpected_status: "#64748b",
};

export function classColor(name: string): string {
  return CLASS_COLORS[name as FaultClass] ?? "#a1a1aa";
}
