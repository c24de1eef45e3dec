import { z } from "zod";
import { defineRoute } from "../api-route";

let cached: Record<string, unknown> | undefined;

export const openApiRoute = defineRoute(
  {
    method: "GET",
    path: "/api/v1/openapi.json",
    operationId: "getOpenApiDocument",
    summary: "This document (public)",
    tag: "meta",
    scope: "public",
    response: z.record(z.string(), z.unknown()),
  },
  async () => {
    const { buildOpenApiDocument } = await import("../openapi");
    return (cached ??= buildOpenApiDocument());
  },
);
