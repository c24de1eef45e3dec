// Importing this module registers every REST v1 endpoint (the OpenAPI document and route walks use it).
export * from "./nodes";
export * from "./pools";
export * from "./gateway";
export * from "./stats";
export * from "./alerts";
export * from "./diagnoses";
export * from "./openapi-route";
