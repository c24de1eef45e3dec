/**
 * Where to go after signing in: only a same-site path ("/nodes?x=1"), never "//host", "/\\host"
 * or an absolute URL (no open redirect). Anything else → "/".
 */
export function safeRedirectPath(value: unknown): string {
  if (typeof value !== "string" || value.length > 2000) return "/";
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return "/";
  if (value === "/login" || value.startsWith("/login?") || value.startsWith("/setup")) return "/";
  return value;
}
