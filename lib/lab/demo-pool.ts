import { prisma } from "@/lib/db/prisma";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import type { LabManifest } from "./fault-lab";

export const LAB_DEMO_POOL = "lab-demo";
export const LAB_TAG = "lab";
export const LAB_LABEL_PREFIX = "[lab] ";

const LAB_ACTOR = { kind: "system" as const, id: "lab", label: "fault lab (npm run lab)", role: "admin" as const };

export interface RegisterLabOptions {
  /** Seals a lab proxy's password for ProxyNode.passwordSealed (lib/secrets). Required when any lab proxy has auth. */
  sealPassword?: (clear: string) => string;
  /** Scheduled probing of the demo pool (default on, every 60 s). */
  probeIntervalSeconds?: number;
  probeEnabled?: boolean;
}

export interface RegisteredLab {
  poolId: string;
  nodeIds: string[];
  targetIds: string[];
  removedNodes: number;
}

/**
 * Upserts the running lab's proxies as ProxyNode rows (tag "lab", label "[lab] <name>") in the
 * pool "lab-demo", its targets as ProbeTargets, and the pool's probe settings. Idempotent; lab
 * nodes from an earlier lab run (other ports) are deleted, so the pool mirrors the running lab.
 */
export async function registerLabAsDemoPool(manifest: LabManifest, options: RegisterLabOptions = {}): Promise<RegisteredLab> {
  const pool = await prisma.pool.upsert({
    where: { name: LAB_DEMO_POOL },
    create: { name: LAB_DEMO_POOL, description: "Switchyard fault lab: local demo proxies with injected faults (not real capacity)." },
    update: {},
  });

  const nodeIds: string[] = [];
  for (const proxy of manifest.proxies) {
    if (proxy.password && !options.sealPassword) throw new Error(`lab proxy ${proxy.name} has a password: pass sealPassword`);
    const fields = {
      label: `${LAB_LABEL_PREFIX}${proxy.name}`,
      tags: [LAB_TAG, `lab:${proxy.behaviour.kind}`],
      passwordSealed: proxy.password ? options.sealPassword!(proxy.password) : null,
    };
    const node = await prisma.proxyNode.upsert({
      where: { scheme_host_port_username: { scheme: proxy.kind, host: proxy.host, port: proxy.port, username: proxy.username } },
      create: { scheme: proxy.kind, host: proxy.host, port: proxy.port, username: proxy.username, ...fields },
      update: fields,
    });
    nodeIds.push(node.id);
  }
  await prisma.poolMembership.createMany({ data: nodeIds.map((nodeId) => ({ poolId: pool.id, nodeId })), skipDuplicates: true });

  const { removedNodes } = await removeStaleLabNodes(pool.id, nodeIds);

  const { http, https, paths } = manifest.targets;
  const targetSpecs = [
    { url: `${http}${paths.ok}`, name: "[lab] ok page (http)", expectedStatus: 200 },
    { url: `${https}${paths.ok}`, name: "[lab] ok page (https)", expectedStatus: 200 },
    { url: `${http}${paths.ipEcho}`, name: "[lab] IP echo (http)", expectedStatus: 200 },
  ];
  const targetIds: string[] = [];
  for (const spec of targetSpecs) {
    const target = await prisma.probeTarget.upsert({ where: { url: spec.url }, create: spec, update: { name: spec.name } });
    targetIds.push(target.id);
  }
  const settings = { enabled: options.probeEnabled ?? true, intervalSeconds: options.probeIntervalSeconds ?? 60, targetIds };
  await prisma.poolProbeSettings.upsert({ where: { poolId: pool.id }, create: { poolId: pool.id, ...settings }, update: settings });
  // Registering the lab adds nodes, targets and a schedule: the audit log says who and what.
  await recordAuditEvents(prisma, LAB_ACTOR, [
    {
      action: "pool.lab_registered",
      subjectType: "pool",
      subjectId: pool.id,
      reason: "npm run lab -- --register",
      after: { name: LAB_DEMO_POOL, nodes: nodeIds.length, targets: targetIds.length, removedNodes, probeIntervalSeconds: settings.intervalSeconds },
    },
  ]);

  return { poolId: pool.id, nodeIds, targetIds, removedNodes };
}

async function removeStaleLabNodes(poolId: string, keep: string[]): Promise<{ removedNodes: number }> {
  const { count } = await prisma.proxyNode.deleteMany({
    where: {
      id: { notIn: keep },
      tags: { has: LAB_TAG },
      label: { startsWith: LAB_LABEL_PREFIX },
      pools: { some: { poolId } },
    },
  });
  return { removedNodes: count };
}
