import type { Metadata } from "next";
import { DataTable } from "@/components/ui/data-table";
import { prisma } from "@/lib/db/prisma";
import { requirePageActor } from "@/lib/auth/page-actor";
import { listApiKeys, type ApiKeySummary } from "@/lib/auth/api-keys";
import { Forbidden } from "../forbidden";
import { CreateKeyForm, RevokeKeyForm } from "./key-forms";

export const metadata: Metadata = { title: "API keys" };

function status(key: ApiKeySummary): string {
  if (key.revokedAt) return `revoked ${key.revokedAt.toISOString().slice(0, 10)}`;
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return "expired";
  return "active";
}

const date = (value: Date | null) => (value ? value.toISOString().slice(0, 16).replace("T", " ") : "—");

export default async function ApiKeysPage() {
  const actor = await requirePageActor("admin", "/settings/api-keys");
  if (!actor) return <Forbidden role="admin" />;
  const [keys, pools] = await Promise.all([
    listApiKeys(),
    prisma.pool.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } }),
  ]);
  const poolNames = new Map(pools.map((pool) => [pool.id, pool.name]));
  return (
    <div className="space-y-8">
      <div className="space-y-1">
        <h1 className="text-xl font-semibold">API keys</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Send a key as <code>Authorization: Bearer sy_…</code>. Scopes: read (GET), write (changes and controls), admin.
          Keys are stored hashed; a new key is shown once.
        </p>
      </div>
      <section className="space-y-3">
        <h2 className="font-medium">Create a key</h2>
        <CreateKeyForm pools={pools} />
      </section>
      <section className="space-y-3">
        <h2 className="font-medium">Keys ({keys.length})</h2>
        <DataTable label="API keys" columns={["Name", "Key", "Scope", "Pool", "Created by", "Last used", "Expires", "Status", ""]}>
            {keys.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td className="font-mono text-xs">sy_{key.prefix}_…</td>
                <td>{key.scope}</td>
                <td>{key.poolId ? (poolNames.get(key.poolId) ?? "(deleted pool)") : "all"}</td>
                <td>{key.createdBy}</td>
                <td className="font-mono text-xs">{date(key.lastUsedAt)}</td>
                <td className="font-mono text-xs">{date(key.expiresAt)}</td>
                <td>{status(key)}</td>
                <td>{key.revokedAt ? null : <RevokeKeyForm apiKeyId={key.id} name={key.name} />}</td>
              </tr>
            ))}
        </DataTable>
      </section>
    </div>
  );
}
