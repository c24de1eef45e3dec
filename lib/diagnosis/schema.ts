import { z } from "zod";

// Shared by the browser (progress view), the server (runner, storage) and the REST API (OpenAPI).

/** The checklist, in the order it runs. */
export const STEP_KEYS = ["resolve", "connect", "handshake", "target", "control", "signature", "exit_ip"] as const;
export type StepKey = (typeof STEP_KEYS)[number];

export const STEP_TITLES: Record<StepKey, string> = {
  resolve: "Resolve the proxy host",
  connect: "TCP connect to the proxy",
  handshake: "Proxy handshake",
  target: "The target through this node",
  control: "The target through a control node",
  signature: "Response signature",
  exit_ip: "Exit IP",
};

export const STEP_STATUSES = ["ok", "failed", "warning", "info", "skipped"] as const;

/** One attempt as Diagnose shows and stores it: class, both answers, phase timings. */
export const diagnosisAttemptSchema = z.object({
  via: z.enum(["node", "control", "patient"]),
  nodeId: z.string(),
  faultClass: z.string(),
  bucket: z.string(),
  status: z.number().int().nullable(),
  responder: z.string(),
  faultOrigin: z.string(),
  originEvidence: z.string(),
  reason: z.string(),
  phase: z.string().nullable(),
  connectMs: z.number().nullable(),
  tunnelMs: z.number().nullable(),
  tlsMs: z.number().nullable(),
  firstByteMs: z.number().nullable(),
  totalMs: z.number(),
  exitIp: z.string().nullable(),
});
export type DiagnosisAttempt = z.infer<typeof diagnosisAttemptSchema>;

export const diagnosisStepSchema = z.object({
  key: z.enum(STEP_KEYS),
  title: z.string(),
  status: z.enum(STEP_STATUSES),
  summary: z.string(),
  details: z.array(z.string()),
  ms: z.number().nullable(),
  attempts: z.array(diagnosisAttemptSchema),
});
export type DiagnosisStep = z.infer<typeof diagnosisStepSchema>;

/** Where the request broke, from the client outwards. */
export const FAILING_HOPS = ["none", "proxy_host", "network", "proxy", "proxy_upstream", "target", "undecided"] as const;
export type FailingHop = (typeof FAILING_HOPS)[number];

export const HOP_TEXT: Record<FailingHop, string> = {
  none: "nothing is failing",
  proxy_host: "the proxy's host name (DNS)",
  network: "the network path to the proxy",
  proxy: "the proxy node itself",
  proxy_upstream: "the proxy's upstream side (its exit or parent)",
  target: "the target",
  undecided: "undecided",
};

export const ACTION_KINDS = ["disable", "rotate", "raise_first_byte_timeout", "exclude_target"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const recommendedActionSchema = z.object({
  kind: z.enum(ACTION_KINDS),
  /** The button's words, e.g. "Raise pool scrapers' first-byte timeout to 4 s". */
  label: z.string(),
  poolId: z.string().nullable(),
  firstByteTimeoutMs: z.number().int().nullable(),
  targetId: z.string().nullable(),
});
export type RecommendedAction = z.infer<typeof recommendedActionSchema>;

export const diagnosisVerdictSchema = z.object({
  failingHop: z.enum(FAILING_HOPS),
  /** One plain sentence, e.g. "The target answers 502 through every node: not a proxy problem." */
  headline: z.string(),
  explanation: z.string(),
  /** Null when nothing on Switchyard's side would help (a healthy node, a target that fails for everyone). */
  action: recommendedActionSchema.nullable(),
});
export type DiagnosisVerdict = z.infer<typeof diagnosisVerdictSchema>;

export const DIAGNOSIS_STATUSES = ["running", "done", "failed", "interrupted"] as const;

export const diagnosisSchema = z.object({
  id: z.string(),
  nodeId: z.string(),
  targetId: z.string().nullable(),
  targetUrl: z.string(),
  requestedBy: z.string(),
  status: z.enum(DIAGNOSIS_STATUSES),
  steps: z.array(diagnosisStepSchema),
  verdict: diagnosisVerdictSchema.nullable(),
  actionApplied: z.object({ at: z.string(), by: z.string(), outcome: z.string() }).nullable(),
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type DiagnosisView = z.infer<typeof diagnosisSchema>;

/** What a Diagnose request may say: which target (default: the one the node failed on last, else its pools' first). */
export const diagnoseRequestSchema = z.object({ targetId: z.uuid().optional() }).strict();
