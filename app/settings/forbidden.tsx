export function Forbidden({ role }: { role: string }) {
  return (
    <div role="alert" className="rounded border border-amber-300 bg-amber-50 p-4 text-sm dark:border-amber-800 dark:bg-amber-950">
      This page needs the {role} role. Ask an admin if you need access.
    </div>
  );
}
