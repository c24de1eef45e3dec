import type { Metadata } from "next";
import { DataTable } from "@/components/ui/data-table";
import { requirePageActor } from "@/lib/auth/page-actor";
import { listUsers } from "@/lib/auth/users";
import { Forbidden } from "../forbidden";
import { CreateUserForm, DisableForm, ResetPasswordForm, RoleForm } from "./user-forms";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const actor = await requirePageActor("admin", "/settings/users");
  if (!actor) return <Forbidden role="admin" />;
  const users = await listUsers();
  return (
    <div className="space-y-8">
      <div className="space-y-1">
        <h1 className="text-xl font-semibold">Users</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Viewers read; operators manage pools and nodes, run tests and use controls; admins also manage users and API keys.
        </p>
      </div>
      <section className="space-y-3">
        <h2 className="font-medium">Add a user</h2>
        <CreateUserForm />
      </section>
      <section className="space-y-3">
        <h2 className="font-medium">Accounts ({users.length})</h2>
        <DataTable label="Accounts" columns={["E-mail", "Role", "Status", "Created", ""]}>
            {users.map((user) => (
              <tr key={user.id}>
                <td>
                  {user.email}
                  {user.id === actor.id ? <span className="ml-2 text-xs text-zinc-500">(you)</span> : null}
                </td>
                <td><RoleForm userId={user.id} role={user.role} email={user.email} /></td>
                <td>{user.disabledAt ? "disabled" : "active"}</td>
                <td className="font-mono text-xs">{user.createdAt.toISOString().slice(0, 10)}</td>
                <td className="space-y-1">
                  <DisableForm userId={user.id} disabled={Boolean(user.disabledAt)} email={user.email} />
                  <ResetPasswordForm userId={user.id} email={user.email} />
                </td>
              </tr>
            ))}
        </DataTable>
      </section>
    </div>
  );
}
