import type { Metadata } from "next";
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
        <table className="w-full max-w-5xl text-left text-sm">
          <thead className="border-b border-zinc-200 text-zinc-500 dark:border-zinc-800">
            <tr>
              <th className="py-2 font-medium">E-mail</th>
              <th className="py-2 font-medium">Role</th>
              <th className="py-2 font-medium">Status</th>
              <th className="py-2 font-medium">Created</th>
              <th className="py-2" />
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} className="border-b border-zinc-100 dark:border-zinc-900">
                <td className="py-2">
                  {user.email}
                  {user.id === actor.id ? <span className="ml-2 text-xs text-zinc-500">(you)</span> : null}
                </td>
                <td className="py-2"><RoleForm userId={user.id} role={user.role} email={user.email} /></td>
                <td className="py-2">{user.disabledAt ? "disabled" : "active"}</td>
                <td className="py-2 font-mono text-xs">{user.createdAt.toISOString().slice(0, 10)}</td>
                <td className="space-y-1 py-2">
                  <DisableForm userId={user.id} disabled={Boolean(user.disabledAt)} email={user.email} />
                  <ResetPasswordForm userId={user.id} email={user.email} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
