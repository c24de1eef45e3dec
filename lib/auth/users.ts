import { z } from "zod";
import { prisma } from "@/lib/db/prisma";
import { Prisma } from "@/generated/prisma/client";
import { recordAuditEvents } from "@/lib/audit/record-audit-event";
import { AuthorizationError, roleAtLeast, type Actor, type Role } from "@/lib/auth/actor";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { createSession, type NewSession } from "@/lib/auth/session";
import { emailSchema, parseInput, passwordSchema, roleSchema, UserInputError, uuidSchema } from "@/lib/auth/validation";

export interface UserSummary {
  id: string;
  email: string;
  role: Role;
  disabledAt: Date | null;
  createdAt: Date;
}

const newUserSchema = z.object({ email: emailSchema, password: passwordSchema, role: roleSchema });

// All account changes take one transaction-scoped advisory lock, so two admins demoting each
// other at once cannot leave the instance without an admin, and /setup runs only once.
async function lockAccounts(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('switchyard:accounts'))`;
}

function requireAdmin(actor: Actor): void {
  if (!roleAtLeast(actor.role, "admin")) throw new AuthorizationError(403, "This needs the admin role.");
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

function toSummary(user: UserSummary): UserSummary {
  return { id: user.id, email: user.email, role: user.role, disabledAt: user.disabledAt, createdAt: user.createdAt };
}

export async function hasAnyUser(): Promise<boolean> {
  return (await prisma.user.count()) > 0;
}

export async function listUsers(): Promise<UserSummary[]> {
  return prisma.user.findMany({
    select: { id: true, email: true, role: true, disabledAt: true, createdAt: true },
    orderBy: { email: "asc" },
  });
}

/** Creates the first admin while no user exists (the /setup page and `npm run create-admin`). */
export async function createFirstAdmin(
  input: { email: unknown; password: unknown },
  meta: { ip?: string; userAgent?: string; via?: string } = {},
): Promise<{ user: UserSummary; session: NewSession }> {
  const data = parseInput(newUserSchema, { ...input, role: "admin" });
  const passwordHash = await hashPassword(data.password);
  return prisma.$transaction(async (tx) => {
    await lockAccounts(tx);
    if ((await tx.user.count()) > 0) throw new SetupClosedError();
    const user = await tx.user.create({
      data: { email: data.email, passwordHash, role: "admin" },
      select: { id: true, email: true, role: true, disabledAt: true, createdAt: true },
    });
    const actor: Actor = { kind: "user", id: user.id, label: user.email, role: "admin" };
    await recordAuditEvents(tx, actor, [
      { action: "user.created", subjectType: "user", subjectId: user.id, reason: `first admin (${meta.via ?? "setup"})`, after: { email: user.email, role: user.role } },
    ]);
    const session = await createSession(user.id, meta, tx);
    return { user, session };
  });
}

export class SetupClosedError extends Error {
  constructor() {
    super("Setup is closed: an account already exists. Sign in instead.");
  }
}

/** Admin only: creates a user with an initial password (tell them to keep it safe). */
export async function createUser(actor: Actor, input: { email: unknown; password: unknown; role: unknown }): Promise<UserSummary> {
  requireAdmin(actor);
  const data = parseInput(newUserSchema, input);
  const passwordHash = await hashPassword(data.password);
  try {
    return await prisma.$transaction(async (tx) => {
      await lockAccounts(tx);
      const user = await tx.user.create({
        data: { email: data.email, passwordHash, role: data.role },
        select: { id: true, email: true, role: true, disabledAt: true, createdAt: true },
      });
      await recordAuditEvents(tx, actor, [
        { action: "user.created", subjectType: "user", subjectId: user.id, after: { email: user.email, role: user.role } },
      ]);
      return user;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new UserInputError("A user with that e-mail address already exists.", "email");
    throw error;
  }
}

/** Whether demoting or disabling `user` would leave no enabled admin. */
export function removesLastAdmin(activeAdmins: number, user: { role: Role; disabledAt: Date | null }): boolean {
  return user.role === "admin" && !user.disabledAt && activeAdmins <= 1;
}

async function activeAdminCount(tx: Prisma.TransactionClient): Promise<number> {
  return tx.user.count({ where: { role: "admin", disabledAt: null } });
}

/** Admin only. Refuses to demote the last enabled admin. */
export async function changeUserRole(actor: Actor, userId: unknown, role: unknown): Promise<UserSummary> {
  requireAdmin(actor);
  const id = parseInput(uuidSchema, userId);
  const newRole = parseInput(roleSchema, role);
  return prisma.$transaction(async (tx) => {
    await lockAccounts(tx);
    const user = await tx.user.findUnique({ where: { id } });
    if (!user) throw new UserInputError("No such user.");
    if (user.role === newRole) return toSummary(user);
    if (removesLastAdmin(await activeAdminCount(tx), user)) {
      throw new UserInputError("This is the last admin; make someone else admin first.");
    }
    const updated = await tx.user.update({
      where: { id },
      data: { role: newRole },
      select: { id: true, email: true, role: true, disabledAt: true, createdAt: true },
    });
    await recordAuditEvents(tx, actor, [
      { action: "user.role_changed", subjectType: "user", subjectId: id, before: { role: user.role }, after: { role: newRole } },
    ]);
    return updated;
  });
}

/** Admin only. Disabling ends the user's sessions at once; the last enabled admin cannot be disabled. */
export async function setUserDisabled(actor: Actor, userId: unknown, disabled: boolean): Promise<UserSummary> {
  requireAdmin(actor);
  const id = parseInput(uuidSchema, userId);
  return prisma.$transaction(async (tx) => {
    await lockAccounts(tx);
    const user = await tx.user.findUnique({ where: { id } });
    if (!user) throw new UserInputError("No such user.");
    if (Boolean(user.disabledAt) === disabled) return toSummary(user);
    if (disabled && removesLastAdmin(await activeAdminCount(tx), user)) {
      throw new UserInputError("This is the last admin; it cannot be disabled.");
    }
    const updated = await tx.user.update({
      where: { id },
      data: { disabledAt: disabled ? new Date() : null },
      select: { id: true, email: true, role: true, disabledAt: true, createdAt: true },
    });
    if (disabled) await tx.session.deleteMany({ where: { userId: id } });
    await recordAuditEvents(tx, actor, [
      { action: disabled ? "user.disabled" : "user.enabled", subjectType: "user", subjectId: id, after: { email: user.email } },
    ]);
    return updated;
  });
}

/** Admin only: sets a new password for a user (e.g. forgotten) and ends all their sessions. */
export async function resetUserPassword(actor: Actor, userId: unknown, password: unknown): Promise<void> {
  requireAdmin(actor);
  const id = parseInput(uuidSchema, userId);
  const passwordHash = await hashPassword(parseInput(passwordSchema, password));
  await prisma.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id }, select: { id: true } });
    if (!user) throw new UserInputError("No such user.");
    await tx.user.update({ where: { id }, data: { passwordHash } });
    await tx.session.deleteMany({ where: { userId: id } });
    await recordAuditEvents(tx, actor, [{ action: "user.password_reset", subjectType: "user", subjectId: id }]);
  });
}

/**
 * The signed-in user changes their own password (the current one is required). Their other
 * sessions end; a fresh session is returned for the caller to set as the new cookie.
 */
export async function changeOwnPassword(actor: Actor, current: unknown, next: unknown): Promise<NewSession> {
  if (actor.kind !== "user") throw new AuthorizationError(403, "Only a signed-in user can change their password.");
  const newPassword = parseInput(passwordSchema, next);
  const user = await prisma.user.findUnique({ where: { id: actor.id } });
  if (!user || user.disabledAt) throw new AuthorizationError(401, "Sign in to continue.");
  if (typeof current !== "string" || !(await verifyPassword(current, user.passwordHash))) {
    throw new UserInputError("The current password is not right.", "current");
  }
  if (current === newPassword) throw new UserInputError("Choose a password different from the current one.", "password");
  const passwordHash = await hashPassword(newPassword);
  return prisma.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await tx.session.deleteMany({ where: { userId: user.id } });
    await recordAuditEvents(tx, actor, [{ action: "user.password_changed", subjectType: "user", subjectId: user.id }]);
    return createSession(user.id, {}, tx);
  });
}
